"""The Janus Python baseline: the echo model of janus-baseline on FastAPI and uvicorn."""
