"""``dev.py <command> --help`` explains the command and runs nothing: no virtualenv, no server,
no pytest."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_dev(tmp_path, *args):
    # A copy in an empty folder: were the flag passed on to the command, it would create a
    # virtualenv there (or start servers) and the folder would not stay empty.
    shutil.copy(ROOT / "dev.py", tmp_path / "dev.py")
    done = subprocess.run(
        [sys.executable, "dev.py", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dev.py"]
    return done


@pytest.mark.parametrize("flag", ["--help", "-h"])
@pytest.mark.parametrize("command, says", [("demo", "SANDBOX_PORT"), ("test", "DATABASE_URL")])
def test_help_of_a_command_describes_it_and_runs_nothing(tmp_path, command, flag, says):
    done = run_dev(tmp_path, command, flag)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: python3 dev.py {command}")
    assert says in done.stdout


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_alone_lists_the_commands(tmp_path, flag):
    done = run_dev(tmp_path, flag)
    assert done.returncode == 0
    assert "python3 dev.py demo" in done.stdout and "python3 dev.py test" in done.stdout


def test_an_unknown_command_is_an_error(tmp_path):
    done = run_dev(tmp_path, "deploy")
    assert done.returncode == 2 and "python3 dev.py demo" in done.stdout
