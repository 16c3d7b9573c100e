"""The local web app: browse the digests, search, open a paper, rate it."""
