"""Prints the auto_explain entries of the API's feed and search queries from a PostgreSQL log on stdin."""
import re
import sys

entries = re.split(r"\n(?=\S.*?LOG:  duration: )", sys.stdin.read())
shown = set()
for entry in entries:
    if "plan:" not in entry or "FROM stories" not in entry or "ORDER BY" not in entry:
        continue
    kind = "search" if "websearch_to_tsquery" in entry else "feed"
    if kind in shown:
        continue
    shown.add(kind)
    print(f"-- {kind}")
    print(entry.strip())
    print()
