#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Independent checks of Shoal's reports for the report tests: the JSON against its schema
# (python3-jsonschema), the CSV through Python's own RFC 4180 reader, the HTML through an XML
# parser. Each check compares what it parsed with the JSON report and exits 1 saying why.
import csv
import io
import json
import re
import sys
import xml.etree.ElementTree as ET

COLUMNS = ["session", "package", "session_started", "host", "address", "mac", "joined",
           "finished", "multicast_bytes", "http_bytes", "loss", "average_rate_bps", "outcome",
           "error_code", "error_title", "error_text", "remedy"]
XHTML = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"


def fail(msg):
    print("report-check: " + msg, file=sys.stderr)
    sys.exit(1)


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def check_schema(report_path, schema_path):
    import jsonschema
    report, schema = load(report_path), load(schema_path)
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(report),
                    key=lambda e: list(e.path))
    if errors:
        fail("%s does not validate: %s at %s" % (report_path, errors[0].message,
                                                   "/".join(map(str, errors[0].path))))


def csv_text(value):
    """What the CSV holds for a JSON text field (formula-looking text gets an apostrophe)."""
    if value is None:
        return ""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def check_csv(csv_path, report_path):
    raw = open(csv_path, "rb").read()
    if raw and not raw.endswith(b"\r\n"):
        fail("%s: the last record does not end with CRLF" % csv_path)
    # Outside quoted fields every line break must be CRLF.
    text = raw.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    if not rows or rows[0] != COLUMNS:
        fail("%s: header is %r" % (csv_path, rows[0] if rows else None))
    records = [dict(zip(COLUMNS, r)) for r in rows[1:]]
    for i, r in enumerate(rows[1:]):
        if len(r) != len(COLUMNS):
            fail("%s: row %d has %d fields, not %d" % (csv_path, i + 1, len(r), len(COLUMNS)))
    reports = [load(p) for p in report_path.split(",")]
    clients = [(rep, c) for rep in reports for c in rep["clients"]]
    if len(records) != len(clients):
        fail("%s: %d rows for %d clients" % (csv_path, len(records), len(clients)))
    for (rep, c), r in zip(clients, records):
        expect = {
            "session": csv_text(rep["session"]["id"]),
            "package": csv_text(rep["package"]["name"]),
            "host": csv_text(c["hostname"]),
            "address": csv_text(c["address"]),
            "outcome": csv_text(c["outcome"]),
            "multicast_bytes": str(c["multicast_bytes"]),
            "http_bytes": "" if c["http_bytes"] is None else str(c["http_bytes"]),
            "error_code": csv_text((c["error"] or {}).get("code")),
            "error_text": csv_text((c["error"] or {}).get("text")),
        }
        for k, v in expect.items():
            if r[k] != v:
                fail("%s: client %s: column %s is %r, expected %r" % (csv_path, c["id"], k,
                                                                      r[k], v))
        if abs(float(r["loss"]) - c["loss"]) > 1e-6:
            fail("%s: client %s: loss %s, expected %s" % (csv_path, c["id"], r["loss"],
                                                         c["loss"]))


def text_of(el):
    return "".join(el.itertext())


def html_text(value):
    """What the HTML shows for a JSON text: control characters become U+FFFD."""
    if value is None:
        return "—"
    value = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "\ufffd", value)
    # XML parsers hand line breaks over as LF.
    return value.replace("\r\n", "\n").replace("\r", "\n")


def check_html(html_path, report_path):
    report = load(report_path)
    data = open(html_path, "rb").read()
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        fail("%s is not well-formed: %s" % (html_path, e))
    if root.tag != XHTML + "html":
        fail("%s: the root is %s" % (html_path, root.tag))
    for bad in ("script", "iframe", "object", "embed", "link", "img"):
        if list(root.iter(XHTML + bad)):
            fail("%s has a <%s> element" % (html_path, bad))
    for el in root.iter():
        for name, value in el.attrib.items():
            if name.lower().startswith("on") or "javascript:" in value.lower():
                fail("%s: <%s %s=%r>" % (html_path, el.tag, name, value))
            if name in ("href", "src") and not value.startswith("#"):
                fail("%s: an external asset %s=%r" % (html_path, name, value))
    title = text_of(root.find(XHTML + "head/" + XHTML + "title"))
    if html_text(report["package"]["name"]) not in title:
        fail("%s: the title %r lacks the package" % (html_path, title))
    svgs = list(root.iter(SVG + "svg"))
    has_samples = (report["rates"] is not None
                   and any(s["samples"] for s in report["rates"]["series"]))
    if has_samples:
        if len(svgs) != 2:
            fail("%s: %d charts, expected 2" % (html_path, len(svgs)))
        for svg in svgs:
            if not list(svg.iter(SVG + "polyline")):
                fail("%s: a chart has no curve" % html_path)
    section = [s for s in root.iter(XHTML + "section") if s.get("id") == "clients"]
    if not section:
        fail("%s: no clients section" % html_path)
    rows = [tr for tr in section[0].iter(XHTML + "tr")
            if tr.get("class") not in ("error",) and tr.find(XHTML + "td") is not None]
    if len(rows) != len(report["clients"]):
        fail("%s: %d client rows for %d clients" % (html_path, len(rows), len(report["clients"])))
    for tr, c in zip(rows, report["clients"]):
        cells = [text_of(td) for td in tr.findall(XHTML + "td")]
        if cells[0] != html_text(c["hostname"]) or cells[1] != html_text(c["address"]):
            fail("%s: row %r does not show client %r" % (html_path, cells[:2], c["hostname"]))
        if cells[9] != c["outcome"]:
            fail("%s: client %s shows outcome %r" % (html_path, c["hostname"], cells[9]))
    check_preflight(root, report, html_path)


def check_preflight(root, report, html_path):
    sections = [s for s in root.iter(XHTML + "section") if s.get("id") == "preflight"]
    if report["preflight"] is None:
        if sections:
            fail("%s shows a preflight the report does not have" % html_path)
        return
    if not sections:
        fail("%s lacks the preflight" % html_path)
    rows = [tr for tr in sections[0].iter(XHTML + "tr") if tr.find(XHTML + "td") is not None]
    if len(rows) != len(report["preflight"]["checks"]):
        fail("%s: %d preflight rows for %d checks" % (html_path, len(rows),
                                                       len(report["preflight"]["checks"])))
    for tr, c in zip(rows, report["preflight"]["checks"]):
        cells = [text_of(td) for td in tr.findall(XHTML + "td")]
        if cells[1] != c["state"] or not cells[2].startswith(html_text(c["detail"])):
            fail("%s: preflight row %r does not show check %r" % (html_path, cells, c["name"]))


def main():
    if len(sys.argv) < 3:
        fail("usage: report-check.py schema REPORT.json SCHEMA | csv|html FILE REPORT.json[,...]")
    kind = sys.argv[1]
    if kind == "schema":
        check_schema(sys.argv[2], sys.argv[3])
    elif kind == "csv":
        check_csv(sys.argv[2], sys.argv[3])
    elif kind == "html":
        check_html(sys.argv[2], sys.argv[3])
    else:
        fail("unknown check " + kind)


main()
