"""The TF-IDF ranker: no torch needed, and a baseline for the evaluation."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from papersift.interests import Interests
from papersift.models import Paper, Score
from papersift.rank.base import Progress, topic_scores


class TfidfRanker:
    """Cosine similarity of TF-IDF vectors (fitted on the day's papers) to each topic."""

    name = "tfidf"

    def rank(
        self, papers: Sequence[Paper], interests: Interests, progress: Progress | None = None
    ) -> list[Score]:
        """Score ``papers`` against each topic's title, notes and keywords."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        if not papers:
            return []
        queries = [topic.query for topic in interests.topics]
        vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, ngram_range=(1, 2))
        matrix = vectorizer.fit_transform([paper.text for paper in papers] + queries)
        paper_rows, query_rows = matrix[: len(papers)], matrix[len(papers) :]
        similarity = np.asarray((paper_rows @ query_rows.T).todense(), dtype=np.float32)
        if progress:
            progress(len(papers))
        return topic_scores(similarity, papers, interests)
