"""Migrations build the schema from an empty database, and match the models."""
import re
import secrets

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app.extensions import db
from tests.conftest import engine_for, make_app


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """An empty database that no other test has touched."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    admin = engine_for(admin_url, isolation_level="AUTOCOMMIT")
    name = f"backlot_migrate_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.dispose()


def test_upgrade_from_empty_to_head_matches_the_models(empty_database, tmp_path):
    app = make_app(empty_database, tmp_path)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        db.engine.dispose()


#: A ticket of the schema before management keys, with a day entry and a ballot (which cascades
#: from its ticket): the migration must keep them all.
OLD_ROWS = [
    "INSERT INTO exhibition (id, key, name, timezone, site, description) "
    "VALUES (1, 'ai-backlot', '{}', 'Asia/Shanghai', '{}', '{}')",
    "INSERT INTO exhibition_day (id, exhibition_id, date, opens_at, closes_at, entry_capacity, entries_taken) "
    "VALUES (1, 1, '2026-06-14', '2026-06-14 02:00:00+00:00', '2026-06-14 10:00:00+00:00', 10, 2)",
    "INSERT INTO registration (id, name, email, locale, channel, created_at) "
    "VALUES (1, 'Li Lei', 'li@example.org', 'zh', 'online', '2026-06-01 02:00:00+00:00')",
    "INSERT INTO ticket (id, registration_id, code, holder_name, is_primary, status, created_at) VALUES "
    "(1, 1, 'old-code-one', 'Li Lei', true, 'active', '2026-06-01 02:00:00+00:00'), "
    "(2, 1, 'old-code-two', 'Han Meimei', false, 'active', '2026-06-01 02:00:00+00:00')",
    "INSERT INTO day_entry (ticket_id, day_id) VALUES (1, 1), (2, 1)",
    "INSERT INTO challenge_round (id, title, theme, starts_at, ends_at, beat_count) "
    "VALUES (1, '{}', '{}', '2026-06-14 02:00:00+00:00', '2026-06-14 10:00:00+00:00', 4)",
    "INSERT INTO ballot (id, round_id, ticket_id, used) VALUES (1, 1, 1, 1)",
]


def test_the_management_key_migration_gives_every_old_ticket_a_key_in_place(empty_database, tmp_path):
    app = make_app(empty_database, tmp_path)
    with app.app_context():
        upgrade(revision="0006_leaderboard")
        with db.engine.begin() as connection:
            for statement in OLD_ROWS:
                connection.exec_driver_sql(statement)

        upgrade()

        with db.engine.connect() as connection:
            hashes = connection.exec_driver_sql("SELECT manage_key_hash FROM ticket ORDER BY id").scalars().all()
            kept = [connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
                    for table in ("day_entry", "ballot")]
        assert len(hashes) == len(set(hashes)) == 2
        assert all(re.fullmatch(r"[0-9a-f]{64}", value) for value in hashes)
        assert kept == [2, 1]
        [column] = [c for c in sa.inspect(db.engine).get_columns("ticket") if c["name"] == "manage_key_hash"]
        assert column["nullable"] is False
        downgrade(revision="0006_leaderboard")
        assert "manage_key_hash" not in {c["name"] for c in sa.inspect(db.engine).get_columns("ticket")}
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM ballot").scalar() == 1
        db.engine.dispose()
