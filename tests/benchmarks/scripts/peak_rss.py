"""Run a command and write its peak resident memory (MB) to a file: python peak_rss.py OUT ARGV...

The child's own maximum resident set size, from wait4's rusage (as /usr/bin/time -v reports it as
"Maximum resident set size"), so that each timed run has its own figure; this wrapper's own
few milliseconds of start-up are the only cost.
"""

import os
import subprocess
import sys

out, argv = sys.argv[1], sys.argv[2:]
child = subprocess.Popen(argv)
_, status, usage = os.wait4(child.pid, 0)
child.returncode = os.waitstatus_to_exitcode(status)
# ru_maxrss is in kilobytes on Linux, in bytes on macOS
kilobytes = usage.ru_maxrss / 1024 if sys.platform == "darwin" else usage.ru_maxrss
with open(out, "w", encoding="utf-8") as stream:
    stream.write(f"{kilobytes / 1024:.1f}\n")
sys.exit(child.returncode)
