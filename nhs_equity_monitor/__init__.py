"""The installable pipeline: where its shipped files are, where its code came from, and the
run lock. The steps themselves live in `ingest`, `expectations` and `exports`."""
