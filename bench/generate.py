#!/usr/bin/python3
"""Generates a Retort project of N revisions with a realistic mix of
statements, for the benchmark (bench/README.md).

    bench/generate.py N OUT_DIR

Each revision does one of: create a table with a primary key and a foreign
key to an earlier table (and the index that covers it), add a column, create
an index concurrently, widen a string column, rename a column, or run an
`execute` with its reverse. The same seed gives the same files.
"""
import os
import random
import sys

TOML = """[project]
migrations = "migrations"
dialect = "postgresql"
dialects = ["postgresql"]

[emit]
lock_timeout = "5s"
"""


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: bench/generate.py N OUT_DIR")
    count = int(sys.argv[1])
    out = sys.argv[2]
    rng = random.Random(20261201)
    os.makedirs(os.path.join(out, "migrations"), exist_ok=True)
    with open(os.path.join(out, "retort.toml"), "w") as f:
        f.write(TOML)
    # Per table: its columns and their string lengths (for widening).
    tables: list[dict] = []
    parent = None
    for n in range(count):
        rev = f"{n + 1:012x}"
        body = []
        kind = "create" if len(tables) < 3 else rng.choice(
            ["create", "create", "add", "add", "index", "widen", "rename", "execute"])
        if kind == "create":
            name = f"t{len(tables)}"
            cols = {"name": 100, "note": 200}
            lines = ["    id         bigint primary key identity,",
                     "    name       string(100) not null,",
                     "    note       string(200),",
                     "    created_at timestamptz not null default now(),"]
            if tables:
                ref = rng.choice(tables)["name"]
                lines.append(f"    {ref}_id bigint references {ref} (id),")
            body.append(f"  create table {name} (\n" + "\n".join(lines) + "\n  );")
            if tables:
                body.append(f"  create index ix_{name}_{ref}_id on {name} ({ref}_id);")
            tables.append({"name": name, "cols": cols, "next": 0})
        else:
            t = rng.choice(tables)
            name = t["name"]
            if kind == "add":
                col = f"c{t['next']}"
                t["next"] += 1
                t["cols"][col] = 50
                body.append(f"  alter table {name} add column {col} string(50);")
            elif kind == "index":
                col = rng.choice(sorted(t["cols"]))
                body.append(f"  create index concurrently ix_{name}_{col}_{n} on {name} ({col});")
            elif kind == "widen":
                col = rng.choice(sorted(t["cols"]))
                t["cols"][col] += 50
                body.append(f"  alter table {name} alter column {col} type string({t['cols'][col]});")
            elif kind == "rename":
                col = rng.choice(sorted(t["cols"]))
                new = f"{col}_r"
                t["cols"][new] = t["cols"].pop(col)
                body.append(f"  @allow(rename-column, 'benchmark')\n"
                            f"  alter table {name} rename column {col} to {new};")
            else:
                body.append(f"  execute $$ UPDATE {name} SET name = name WHERE id < 0 $$\n"
                            f"    reverse $$ SELECT 1 $$;")
        header = f"revision {rev}\n"
        if parent:
            header += f"  revises {parent}\n"
        header += f"  message '{kind} {n}';\n"
        text = header + "\nupgrade {\n" + "\n".join(body) + "\n}\n"
        with open(os.path.join(out, "migrations", f"{rev}_{kind}.rev"), "w") as f:
            f.write(text)
        parent = rev


if __name__ == "__main__":
    main()
