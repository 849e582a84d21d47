#!/usr/bin/env python3
"""Starts a data-parallel run (the command after --), waits until it has
written FILE, kills one of its ranks with SIGKILL and checks that the whole
job then ends, with a non-zero status, within a time limit. Prints what it
saw; exits non-zero when the job outlived the limit or exited with 0."""

import argparse
import os
import signal
import subprocess
import sys
import time


def rank_pids(rank):
    """Processes whose environment says they are rank `rank` of a job."""
    marker = ("OMPI_COMM_WORLD_RANK=%d" % rank).encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % entry, "rb") as f:
                if marker in f.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:
            pass
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rank", type=int, required=True)
    parser.add_argument("--after-file", required=True)
    parser.add_argument("--limit", type=float, default=60)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command

    job = subprocess.Popen(command, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
    deadline = time.time() + args.limit
    while not os.path.exists(args.after_file):
        if job.poll() is not None or time.time() > deadline:
            print("the job ended (or stalled) before writing %s" % args.after_file)
            print(job.communicate()[0].decode(errors="replace"))
            return 1
        time.sleep(0.05)
    victims = rank_pids(args.rank)
    if not victims:
        print("no process of rank %d found" % args.rank)
        job.kill()
        return 1
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    print("killed rank %d" % args.rank)
    try:
        output = job.communicate(timeout=max(1.0, deadline - time.time()))[0]
    except subprocess.TimeoutExpired:
        job.kill()
        print("the job outlived its killed rank by more than %g s" % args.limit)
        return 1
    print(output.decode(errors="replace"))
    print("job exit status: %s" % ("non-zero" if job.returncode else "0"))
    return 0 if job.returncode else 1


if __name__ == "__main__":
    sys.exit(main())
