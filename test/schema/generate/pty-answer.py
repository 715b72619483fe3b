"""
Runs a command on a pseudo-terminal of its own and answers what it asks, for the tests of terminal
prompts (test/schema/generate/command-cli-prompt.test.ts). The command gets the terminal (240 columns)
as stdin, stdout and stderr and as its controlling terminal, whatever this process's own stdin is (CI
has none).

    python3 pty-answer.py STEPS_JSON COMMAND [ARG...]

STEPS_JSON is a list of {"wait": REGEX, "send": TEXT}: when the terminal's output so far (escape
sequences removed) matches REGEX, TEXT is typed. Prints one JSON object: {"code", "signal", "output",
"answered"} — the exit status, the terminal's output without escapes, and how many steps were answered.
Gives up after TIMEOUT seconds (env PTY_TIMEOUT, default 60): kills the command, code null.
"""
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time

ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\r")


def plain(raw: bytes) -> str:
    return ESCAPES.sub("", raw.decode("utf-8", "replace"))


def main() -> None:
    steps = json.loads(sys.argv[1])
    command = sys.argv[2:]
    timeout = float(os.environ.get("PTY_TIMEOUT", "60"))
    pid, fd = pty.fork()
    if pid == 0:
        # a wide terminal, set before the command starts: prompts are not wrapped
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 240, 0, 0))
        os.execvp(command[0], command)
    raw = b""
    answered = 0
    deadline = time.monotonic() + timeout
    timed_out = False
    while True:
        if answered < len(steps) and re.search(steps[answered]["wait"], plain(raw)):
            os.write(fd, steps[answered]["send"].encode())
            answered += 1
            continue
        if time.monotonic() > deadline:
            timed_out = True
            os.kill(pid, signal.SIGKILL)
            break
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the command exited and the terminal closed
            break
        if not data:
            break
        raw += data
    _, status = os.waitpid(pid, 0)
    code = None if timed_out else (os.WEXITSTATUS(status) if os.WIFEXITED(status) else None)
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    print(json.dumps({"code": code, "signal": sig, "output": plain(raw), "answered": answered}))


main()
