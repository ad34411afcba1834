"""What the scheduler service and the queue workers run: locks, job runs, crawls in subprocesses, the
nightly run, rechecks, probes and exports. `scheduler.py` (the service) only wires triggers to these."""
