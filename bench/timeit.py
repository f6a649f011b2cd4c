#!/usr/bin/env python3
"""Median wall time of whole commands, for bench/run.sh when hyperfine is
not installed. Runs the commands interleaved (A B C A B C ...), so that a
machine getting faster or slower during the run affects each alike, and
prints one median in milliseconds per command, in order.

usage: timeit.py RUNS WARMUP COMMAND...   (each COMMAND one shell-quoted string)
"""
import shlex
import statistics
import subprocess
import sys
import time


def main():
    runs, warmup = int(sys.argv[1]), int(sys.argv[2])
    commands = [shlex.split(c) for c in sys.argv[3:]]
    times = [[] for _ in commands]
    for i in range(warmup + runs):
        for j, argv in enumerate(commands):
            start = time.perf_counter()
            subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            if i >= warmup:
                times[j].append(time.perf_counter() - start)
    for t in times:
        print("%.2f" % (statistics.median(t) * 1000))


main()
