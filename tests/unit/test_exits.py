"""``worker.exits``: a process that exits after ``collect_once_at_exit`` still
collects its garbage once and closes its database, then skips the teardown's
collections. Each case runs in a fresh interpreter, since it is about exiting."""

from __future__ import annotations

from pathlib import Path

from tests.support.python import run_python


def test_garbage_is_collected_once_and_the_rest_frozen(tmp_path: Path) -> None:
    out = run_python(
        """
        import atexit, gc

        # Registered first, so it runs after the handler under test.
        atexit.register(lambda: print("frozen", gc.get_freeze_count() > 0))

        import types

        import worker.exits
        from worker.exits import collect_once_at_exit

        def freeze():
            print("freeze")
            gc.freeze()

        # The handler's calls are counted: it must run once.
        worker.exits.gc = types.SimpleNamespace(collect=gc.collect, freeze=freeze)

        class Cycle:
            def __del__(self):
                print("finalized")

        gc.disable()  # nothing collects the cycle before exit but the handler
        a, b = Cycle(), Cycle()
        a.other, b.other = b, a
        del a, b
        collect_once_at_exit()
        collect_once_at_exit()  # a second call must not add a second handler
        print("exiting")
        """,
        cwd=tmp_path,
    )
    assert out.splitlines() == [
        "exiting",
        "finalized",
        "finalized",
        "freeze",
        "frozen True",
    ]


def test_the_database_is_closed_before_the_process_leaves(tmp_path: Path) -> None:
    # SQLite removes the WAL file when the last connection to the database closes:
    # a connection left open at exit would leave it behind.
    db = tmp_path / "exit.db"
    run_python(
        """
        import sys

        from sqlalchemy import text
        from worker.exits import collect_once_at_exit
        from worker.store.database import get_engine, session_scope

        collect_once_at_exit()
        engine = get_engine(f"sqlite:///{sys.argv[1]}")
        with session_scope(engine) as session:
            session.execute(text("CREATE TABLE t (x INTEGER)"))
            session.execute(text("INSERT INTO t VALUES (1)"))
        with engine.connect() as connection:
            mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        assert mode == "wal", mode
        """,
        str(db),
        cwd=tmp_path,
    )
    assert db.exists()
    assert not (tmp_path / "exit.db-wal").exists()
