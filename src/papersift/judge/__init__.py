"""The LLM judge: relevance, novelty and a comment per paper, from any OpenAI-compatible model."""

from papersift.judge.cache import FileJudgmentCache, JudgmentCache, MemoryJudgmentCache
from papersift.judge.cascade import cascade
from papersift.judge.day import JudgeOutcome, build_judged_digest, estimate_day, judge_day
from papersift.judge.parse import ParsedReply, ReplyItem, parse_reply
from papersift.judge.pricing import Pricing

__all__ = [
    "FileJudgmentCache",
    "JudgeOutcome",
    "JudgmentCache",
    "MemoryJudgmentCache",
    "ParsedReply",
    "Pricing",
    "ReplyItem",
    "build_judged_digest",
    "cascade",
    "estimate_day",
    "judge_day",
    "parse_reply",
]
