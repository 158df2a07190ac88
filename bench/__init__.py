"""Load benchmark of the chat service (`manage.py bench chat|idle`, `make bench`).

The generator (bench.loadgen) and the bare relay (bench.relay) do not import
Django: they run in their own processes, so that they measure the server and not
themselves, and so that spawning them does not load the whole project.
"""
