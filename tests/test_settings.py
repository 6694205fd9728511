"""Settings read from the environment: secure defaults, SQLite tuned for two writers, locale."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
#: Set by other tests in this process (the browser tests) and never wanted in a production check.
NOT_INHERITED = {"DEBUG", "SECRET_KEY", "HTTPS", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
PROD_ENV = {"DEBUG": "0", "HTTPS": "1", "ALLOWED_HOSTS": "oms.example.com", "SECRET_KEY": secrets.token_urlsafe(50)}
#: A real key, for the checks of other settings (DEBUG off refuses the development key).
KEY = {"SECRET_KEY": secrets.token_urlsafe(50)}


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter with only the given settings variables set."""
    base = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    base.update(DJANGO_SETTINGS_MODULE="oms.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120
    )


def test_wsgi_refuses_the_development_key_when_debug_is_off():
    result = run_python("import oms.wsgi", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    "code",
    [
        "import django; django.setup()",
        # The worker: qcluster reads the same settings, and signs its task packages with the key.
        "import sys; sys.argv = ['manage.py', 'qcluster', '--help']; "
        "from django.core.management import execute_from_command_line; execute_from_command_line(sys.argv)",
    ],
    ids=["settings", "qcluster"],
)
def test_the_settings_refuse_the_development_key_when_debug_is_off(code):
    refused = run_python(code)
    assert refused.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in refused.stderr

    assert run_python(code, **KEY).returncode == 0
    assert run_python(code, DEBUG="1").returncode == 0  # development keeps its default key


def test_wsgi_starts_with_a_real_key():
    result = run_python("import oms.wsgi; print('ok')", **PROD_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_a_web_process_loads_its_urls_at_start_and_freezes_them_out_of_the_collector():
    code = (
        "import gc, sys; assert 'oms.urls' not in sys.modules and gc.get_freeze_count() == 0; import oms.wsgi; "
        "print('orders.api' in sys.modules, gc.get_freeze_count() > 50000)"
    )
    result = run_python(code, **PROD_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]


def test_debug_is_off_unless_asked_for():
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    assert run_python(code, **KEY).stdout.strip() == "False"
    assert run_python(code, DEBUG="1").stdout.strip() == "True"
    runserver = "import sys; sys.argv = ['manage.py', 'runserver']; " + code
    assert run_python(runserver).stdout.strip() == "True"


def test_https_turns_on_transport_security():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)"
    )
    assert run_python(code, **PROD_ENV).stdout.split() == ["True", "True", "True", "True"]
    assert run_python(code, **KEY).stdout.split() == ["False", "False", "False", "False"]


def test_deploy_check_is_clean_in_production_mode(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k not in NOT_INHERITED},
            **PROD_ENV,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_sqlite_file_uses_wal_busy_timeout_and_immediate_transactions(tmp_path):
    code = (
        "import django; django.setup()\n"
        "from django.db import connection, transaction\n"
        "from django.test.utils import CaptureQueriesContext\n"
        "c = connection.cursor()\n"
        "print(c.execute('PRAGMA journal_mode').fetchone()[0], c.execute('PRAGMA busy_timeout').fetchone()[0])\n"
        "with CaptureQueriesContext(connection) as q, transaction.atomic():\n"
        "    connection.cursor().execute('SELECT 1')\n"
        "print(q.captured_queries[0]['sql'])\n"
    )
    result = run_python(code, DATABASE_URL=f"sqlite:///{tmp_path / 'wal.sqlite3'}", **KEY)
    assert result.returncode == 0, result.stderr
    mode_and_timeout, begin = result.stdout.strip().splitlines()
    assert mode_and_timeout == "wal 30000"
    assert begin == "BEGIN IMMEDIATE"


def test_sqlite_options():
    if connection.vendor != "sqlite":
        pytest.skip("the test database is not SQLite")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]


def test_postgres_url_is_honoured():
    code = "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    result = run_python(code, DATABASE_URL="postgres://postgres@127.0.0.1:5432/oms", **KEY)
    assert result.stdout.strip() == "core.postgresql"  # Django's backend, its health check after a pause


@pytest.mark.parametrize(("threshold", "expected"), [(None, "True None 5"), ("2", "True None 2"), ("0", "True None 0")])
def test_postgres_binds_on_the_server_and_prepares_only_on_the_hot_paths(threshold, expected):
    code = (
        "import django; django.setup(); from django.conf import settings; o = settings.DATABASES['default']['OPTIONS'];"
        " print(o['server_side_binding'], o['prepare_threshold'], settings.DB_PREPARE_THRESHOLD)"
    )
    env = {"DB_PREPARE_THRESHOLD": threshold} if threshold is not None else {}
    result = run_python(code, DATABASE_URL="postgres://postgres@127.0.0.1:5432/oms", **KEY, **env)
    assert result.stdout.strip() == expected, result.stderr


def _prepared_count(cursor, text: str) -> int:
    cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{text}%"])
    return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_statement_repeated_on_a_hot_path_is_prepared_and_nowhere_else(settings):
    from core.sql import prepared

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    settings.DB_PREPARE_THRESHOLD = 3
    cold, hot = "SELECT count(*) FROM auth_user WHERE id > %s", "SELECT count(*) FROM auth_group WHERE id > %s"
    with connection.cursor() as cursor:
        for _ in range(5):
            cursor.execute(cold, [0])
            with prepared():
                cursor.execute(hot, [0])
        assert _prepared_count(cursor, "FROM auth_group WHERE id > $1") == 1
        assert _prepared_count(cursor, "FROM auth_user WHERE id > $1") == 0
        settings.DB_PREPARE_THRESHOLD = 0
        with prepared():
            for _ in range(5):
                cursor.execute("SELECT count(*) FROM auth_permission WHERE id > %s", [0])
        assert _prepared_count(cursor, "FROM auth_permission WHERE id > $1") == 0
    assert connection.connection.prepare_threshold is None


def test_queue_broker_is_the_database_unless_redis_is_given():
    code = "import django; django.setup(); from django.conf import settings; q = settings.Q_CLUSTER; print(q.get('orm'), q.get('redis'))"
    assert run_python(code, **KEY).stdout.split() == ["default", "None"]
    assert run_python(code, Q_REDIS_URL="redis://127.0.0.1:6379/0", **KEY).stdout.split() == [
        "None", "redis://127.0.0.1:6379/0"
    ]


def test_locale_and_time():
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert "en" in dict(settings.LANGUAGES)


def test_an_empty_database_url_means_the_default_sqlite():
    code = "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    result = run_python(code, DATABASE_URL="", **KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"


@pytest.mark.parametrize(("nice", "expected"), [(None, 10), ("3", 3), ("0", 0)])
def test_the_worker_task_processes_run_below_the_web(nice, expected):
    """django-q2 announces each task process it starts (post_spawn): it lowers its own priority."""
    code = (
        "import os, django; django.setup(); from django_q.signals import post_spawn;"
        " before = os.nice(0); post_spawn.send(sender='django_q', proc_name='Process-1'); print(before, os.nice(0))"
    )
    env = {"WORKER_NICE": nice} if nice is not None else {}
    result = run_python(code, **KEY, **env)
    before, after = map(int, result.stdout.split())
    assert after == max(before, expected), result.stderr


@pytest.mark.django_db
def test_the_intake_prepares_its_statements_and_an_admin_query_does_not(stocked, make_draft, settings):
    from orders.models import Order
    from orders.services import order_intake

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    settings.DB_PREPARE_THRESHOLD = 2
    for _ in range(4):
        assert order_intake(draft=make_draft()).created
        assert Order.objects.filter(status="on_hold").order_by("-placed_at")[:50].count() >= 0
    with connection.cursor() as cursor:
        assert _prepared_count(cursor, 'INSERT INTO "orders_orderline"') == 1
        assert _prepared_count(cursor, "orders_ordernumbersequence") == 1
        assert _prepared_count(cursor, '"orders_order"."status" = $1') == 0
