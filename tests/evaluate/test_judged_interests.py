"""The judged astro-ph days' interests file parses into the topics the rankers query."""

from __future__ import annotations

from pathlib import Path

from papersift.interests import load_interests


def test_shared_interests_parse_into_seven_topics(shared_data: Path) -> None:
    interests = load_interests(shared_data / "judged" / "astro-ph" / "interests.md")
    assert [topic.number for topic in interests.topics] == [1, 2, 3, 4, 5, 6, 7]
    assert interests.topics[0].title == "Near-Field Cosmology"
    assert all(topic.relevant for topic in interests.topics)
    with_irrelevant = [topic.number for topic in interests.topics if topic.irrelevant]
    assert with_irrelevant == [1, 5, 6]
    assert "core-cusp" in interests.keywords and "mass-loading factor" in interests.keywords
    assert "tidal disruption event (TDE)" in interests.negative_keywords
    assert "**" not in interests.topics[2].relevant
