"""django-helpdesk as the baseline of the HTTP benchmarks: its virtual environment, a minimal
site, its database and its environment. `bench/submissions.py` serves it next to the product;
other scripts import these functions (also from `bench.submissions`, where they were first).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import BENCH, OUT, bench_database

HELPDESK_VENV = BENCH / ".venv-helpdesk"
HELPDESK_SITE = OUT / "submissions" / "helpdesk-site"
HELPDESK_DATABASE = bench_database("bench_helpdesk_submissions")
PSYCOPG_POOL = "psycopg-pool==3.3.3"

# Everything django-helpdesk's virtual environment holds, pinned: the newest django-helpdesk
# (2.6.1, for Django 5.2 and 6.0 on Python 3.10+) with the Django, psycopg and uvicorn (with
# httptools and uvloop) that the product itself runs on, and what they need.
HELPDESK_PINS = (
    "anyio==4.16.0",
    "asgiref==3.13.0",
    "beautifulsoup4==4.15.0",
    "certifi==2026.10.19.post1",
    "charset-normalizer==3.5.3",
    "click==8.5.1",
    "Django==5.2.19",
    "django-cleanup==9.0.0",
    "django-helpdesk==2.6.1",
    "django-model-utils==5.0.0",
    "djangorestframework==3.18.3",
    "email-reply-parser==0.5.12",
    "h11==0.16.0",
    "httptools==0.9.0",
    "idna==3.20",
    "Markdown==3.11.3",
    "nh3==0.3.8",
    "oauthlib==4.0.1",
    "psycopg==3.3.9",
    "psycopg-binary==3.3.9",
    PSYCOPG_POOL,
    "python-dotenv==1.2.4",
    "PyYAML==6.0.4",
    "requests==2.34.2",
    "requests-oauthlib==2.0.0",
    "soupsieve==4.1.3",
    "sqlparse==0.6.1",
    "typing_extensions==4.16.0",
    "urllib3==2.8.0",
    "uvicorn==0.54.0",
    "uvloop==0.23.0",
    "watchfiles==1.3.0",
    "websockets==17.4",
)


def _canonical(requirement: str) -> str:
    name, _, version = requirement.partition("==")
    return f"{re.sub(r'[-_.]+', '-', name).lower()}=={version}"


def helpdesk_python() -> Path:
    return HELPDESK_VENV / "bin" / "python"


def installed_pins() -> set[str] | None:
    if not helpdesk_python().exists():
        return None
    frozen = subprocess.run(
        [helpdesk_python(), "-m", "pip", "freeze", "--all", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=False,
    )
    if frozen.returncode != 0:
        return None
    ignored = {"pip", "setuptools", "wheel"}
    return {_canonical(line) for line in frozen.stdout.split() if line.partition("==")[0].lower() not in ignored}


def ensure_helpdesk_venv() -> str:
    """django-helpdesk's virtual environment: reused when it holds exactly the pins, else rebuilt."""
    if installed_pins() == {_canonical(pin) for pin in HELPDESK_PINS}:
        return "reused (pinned versions match)"
    shutil.rmtree(HELPDESK_VENV, ignore_errors=True)
    # The interpreter the product's own environment was made from, so both sides run the same Python.
    base_python = Path(sys.base_prefix) / "bin" / "python3"
    started = time.perf_counter()
    subprocess.run([base_python, "-m", "venv", HELPDESK_VENV], check=True)
    pins = HELPDESK_VENV / "bench-requirements.txt"
    pins.write_text("\n".join(HELPDESK_PINS) + "\n")
    installed = subprocess.run(
        [helpdesk_python(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", pins],
        capture_output=True,
        text=True,
        check=False,
    )
    if installed.returncode != 0:
        raise SystemExit(f"pip could not install django-helpdesk's pins:\n{installed.stdout}\n{installed.stderr}")
    return f"created with {base_python} -m venv and pip in {time.perf_counter() - started:.0f} s"


HELPDESK_SETTINGS = '''\
"""A minimal site serving django-helpdesk, as its installation documentation describes it."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = os.environ["ALLOWED_HOSTS"].split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",  # for the site's address in e-mails
    "django.contrib.humanize",  # for elapsed times in the templates
    "rest_framework",  # for helpdesk's API, whose routes helpdesk.urls imports
    "helpdesk",
]
# Teams (pinax-teams) are off: no team app is installed.
HELPDESK_TEAMS_MODE_ENABLED = False

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "hdsite.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
WSGI_APPLICATION = "hdsite.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["HELPDESK_DB_NAME"],
        "USER": os.environ["HELPDESK_DB_USER"],
        "HOST": os.environ["HELPDESK_DB_HOST"],
        "PORT": os.environ["HELPDESK_DB_PORT"],
    }
}
if os.environ.get("HELPDESK_DB_POOL") == "1":
    DATABASES["default"]["OPTIONS"] = {"pool": True}
if os.environ.get("HELPDESK_DB_PREPARE") == "1":
    # As the tracker runs: parameters bound on the server, statements prepared from their
    # second run on a connection.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 2})
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
SITE_ID = 1

LOGIN_URL = "helpdesk:login"
LOGIN_REDIRECT_URL = "helpdesk:home"

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@example.com"
SERVER_EMAIL = "helpdesk@example.com"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
'''

HELPDESK_URLS = """\
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("helpdesk/", include("helpdesk.urls")),
]
"""

# django-helpdesk is served through WSGI, the faster of Django's two interfaces for an
# application all of whose views and middleware are synchronous: under uvicorn, its public form
# took 13.1-13.4 ms a ticket through ASGI (Django's handler moves each request between the event
# loop and a worker thread several times, and runs every middleware's two halves as hand-offs of
# their own) and 12.0 ms through WSGI; under gunicorn (gthread) 13.2 ms.
HELPDESK_APP = "hdsite.wsgi:application"
HELPDESK_INTERFACE = "wsgi"

HELPDESK_WSGI = """\
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdsite.settings")
application = get_wsgi_application()
"""

HELPDESK_MANAGE = """\
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdsite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"""


def write_helpdesk_site() -> None:
    shutil.rmtree(HELPDESK_SITE, ignore_errors=True)
    package = HELPDESK_SITE / "hdsite"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text(HELPDESK_SETTINGS)
    (package / "urls.py").write_text(HELPDESK_URLS)
    (package / "wsgi.py").write_text(HELPDESK_WSGI)
    (HELPDESK_SITE / "manage.py").write_text(HELPDESK_MANAGE)


def base_environment() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH", "VIRTUAL_ENV"):
        env.pop(name, None)
    return env


def helpdesk_environment(
    server: str, pool: bool = True, database: str | None = None, prepare: bool = True
) -> dict[str, str]:
    """django-helpdesk's site environment on PostgreSQL at `server`, database `database` (by
    default the intake benchmark's). With `pool` (the default: the benchmarks compare pooled
    with pooled) Django's psycopg pool serves its connections; with `prepare` (the default, as
    the tracker runs) parameters are bound on the server and statements prepared."""
    parts = urlsplit(server)
    return {
        **base_environment(),
        "HELPDESK_DB_NAME": database or HELPDESK_DATABASE,
        "HELPDESK_DB_USER": parts.username or "postgres",
        "HELPDESK_DB_HOST": parts.hostname or "127.0.0.1",
        "HELPDESK_DB_PORT": str(parts.port or 5432),
        "SECRET_KEY": "bench-submissions-only-never-deployed",
        "ALLOWED_HOSTS": "127.0.0.1",
        "HELPDESK_DB_POOL": "1" if pool else "0",
        "HELPDESK_DB_PREPARE": "1" if prepare else "0",
    }


def run_checked(command: list[Any], *, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        shown = " ".join(str(part) for part in command)
        raise SystemExit(f"{shown} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def set_up_helpdesk(env: dict[str, str]) -> None:
    """Migrate the fresh database (which loads helpdesk's e-mail templates) and create a queue
    open to public submissions."""
    run_checked([helpdesk_python(), "manage.py", "migrate", "--noinput"], cwd=HELPDESK_SITE, env=env)
    create = (
        "from helpdesk.models import Queue; "
        "Queue.objects.create(title='Public complaints', slug='public', allow_public_submission=True)"
    )
    run_checked([helpdesk_python(), "manage.py", "shell", "-c", create], cwd=HELPDESK_SITE, env=env)
