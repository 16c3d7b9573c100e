"""What judging a set of papers would cost in tokens, counted on the judge's own requests.

The evaluations replay recorded judgments instead of calling a model, and still need the tokens a
real run would spend. ``TokenEstimate`` builds the requests the abstract pass would send: the
static part from the judge's prompt builder (the settings' prompt files and the interests), the
papers in the batches the judge makes of them, each request counted as the API counts it. A reply
is counted as the replay server writes it: the keys the prompt asks for, with the recorded
comment, and the two scores one token each.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from papersift.config import JudgeSettings
from papersift.models import Paper


class TokenEstimate:
    """Counts the tokens the judge would spend on papers, with its own prompt and batches."""

    def __init__(self, interests_text: str, settings: JudgeSettings | None = None) -> None:
        from papersift.judge.prompts import load_prompt_texts, pass_prompt
        from papersift.judge.tokens import TokenCounter

        self.settings = settings or JudgeSettings()
        texts = load_prompt_texts(self.settings)
        self.prompt = pass_prompt(self.settings, texts, interests_text, "abstract")
        self.counter = TokenCounter(self.settings.model)

    def count(self, text: str) -> int:
        """Tokens of ``text``."""
        return self.counter.text(text)

    def split(self, papers: Sequence[Paper], comments: Mapping[str, str]) -> tuple[int, int]:
        """Prompt and reply tokens of judging ``papers``; ``comments`` are the replies' notes."""
        from papersift.judge.stage import batch_size

        if not papers:
            return 0, 0
        size = batch_size(len(papers), self.settings)
        prompt = completion = 0
        for start in range(0, len(papers), size):
            batch = papers[start : start + size]
            prompt += self.counter.request(self.prompt.static, self.prompt.user_message(batch))
            completion += self.count(self._reply(batch, comments))
        return prompt, completion

    def tokens(self, papers: Sequence[Paper], comments: Mapping[str, str]) -> int:
        """Prompt and reply tokens of judging ``papers``, together."""
        return sum(self.split(papers, comments))

    def _reply(self, papers: Sequence[Paper], comments: Mapping[str, str]) -> str:
        from papersift.judge.prompts import REPLY_KEYS

        items = []
        for paper in papers:
            values = {"id": paper.id, "relevance": 5, "novelty": 5}
            values["comment"] = comments.get(paper.id, "")
            items.append({REPLY_KEYS[name]: values[name] for name in self.prompt.fields})
        if self.prompt.structured:
            return json.dumps({"judgments": items}, ensure_ascii=False)
        lines = [json.dumps(i, ensure_ascii=False, separators=(",", ":")) for i in items]
        return "\n".join(lines)
