"""Compares two logs of logging_proxy.py (PostgreSQL's, then Log's) over the round trips that read the catalog and
prints the share answered exactly as PostgreSQL answered them; -v lists each difference. usage: PG.jsonl LOG.jsonl [-v]"""
import json, re, sys, collections
CATALOG = re.compile(r"pg_catalog|\bpg_\w+|information_schema|::reg\w+|\bto_reg\w+|has_\w+_privilege", re.I)
OID = re.compile(r"\b(1[6-9]\d{3}|[2-9]\d{4}|\d{6,})\b")
# version()'s text after the major version names the build (PostgreSQL's minor release, platform and compiler; Log's
# name), which is not PostgreSQL's on Log: the major version is what clients read from it (SQLAlchemy, DBeaver).
VERSION = re.compile(r"^PostgreSQL (\d+)\.\d+ .*$", re.S)
def norm_sql(text): return OID.sub("<oid>", text)
def decode(row_hex):
    body = bytes.fromhex(row_hex); count = int.from_bytes(body[:2], "big"); at = 2; values = []
    for _ in range(count):
        n = int.from_bytes(body[at:at + 4], "big", signed=True); at += 4
        if n < 0: values.append(None); continue
        value = body[at:at + n]; at += n
        try: text = value.decode("utf-8")
        except UnicodeDecodeError: text = value.hex()
        values.append(VERSION.sub(r"PostgreSQL \1.<build>", OID.sub("<oid>", text).replace("admin", "postgres")))
    return values
def load(path):
    seen = collections.Counter(); result = {}
    for line in open(path):
        entry = json.loads(line)
        text = norm_sql("\n".join(entry["sql"]))
        entry["rows"] = [decode(row) for row in entry["rows"]]
        if not CATALOG.search(text): continue
        key = (text, seen[text]); seen[text] += 1
        result[key] = entry
    return result
pg, log = load(sys.argv[1]), load(sys.argv[2])
exact = ok = reordered = 0
missing = []
for key, p in pg.items():
    l = log.get(key)
    if l is None: missing.append(key); continue
    if l["error"] is None and p["error"] is None: ok += 1
    if l["error"] == p["error"] and l["rows"] == p["rows"]: exact += 1
    else:
        # A query with no ORDER BY has no one right order: count the answers that differ only in it apart.
        if l["error"] == p["error"] and sorted(map(repr, l["rows"])) == sorted(map(repr, p["rows"])): reordered += 1
        if "-v" in sys.argv: print("DIFF", p["error"], l["error"], len(p["rows"]), len(l["rows"]), key[0][:150].replace("\n", " "))
print(f"catalog round trips on PostgreSQL: {len(pg)}; sent by the client on Log too: {len(pg) - len(missing)}; "
      f"answered without error on both: {ok}; answered exactly as PostgreSQL: {exact} ({100 * exact / max(len(pg), 1):.0f}%); "
      f"the same rows in another order: {reordered}")
if "-v" in sys.argv:
    for key in missing: print("NOT SENT ON LOG", key[0][:150].replace("\n", " "))
