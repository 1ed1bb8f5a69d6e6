#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Generates data/diag/hresult-table.tsv, the table of Windows error names and numbers, from the
# public-domain mingw-w64 headers (Debian package mingw-w64-common). Builds never run this: the
# generated table is committed. Run it again only to refresh the table:
#   build-aux/gen-error-table.py [--include /usr/share/mingw-w64/include] [-o FILE]
import argparse
import ast
import operator
import os
import re
import subprocess
import sys

# (header, which names to take). Order matters: when two headers name the same number, the
# first header's name is the primary one (WinHTTP before WinINet: ConfigMgr clients use WinHTTP).
HEADERS = [
    ('winerror.h', None),
    ('winhttp.h', re.compile(r'^ERROR_WINHTTP_')),
    ('wininet.h', re.compile(r'^ERROR_(INTERNET|HTTP|FTP|GOPHER)_')),
    ('bitsmsg.h', re.compile(r'^BG_[ESW]_')),
]

# Macros that are ranges, masks or bases rather than codes.
SKIP = re.compile(r'(^_|^FACILITY_|^SEVERITY_|_FIRST$|_LAST$|_BASE$|_MASK$|^WINHTTP_ERROR_|'
                  r'^INTERNET_ERROR_|^DNS_ERROR_RCODE_LAST$|^WSABASEERR$)')
DEFINE = re.compile(r'^\s*#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)(\(?)\s*(.*?)\s*(?://.*|/\*.*)?$')
WRAPPERS = re.compile(r'(__MSABI_LONG|_HRESULT_TYPEDEF_|_NDIS_ERROR_TYPEDEF_)\s*\(')
CASTS = re.compile(r'\(\s*(HRESULT|DWORD|LONG|ULONG|SCODE|long|int)\s*\)')
INT_SUFFIX = re.compile(r'\b(0[xX][0-9A-Fa-f]+|\d+)[uUlL]+\b')

OPS = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.BitOr: operator.or_,
    ast.BitAnd: operator.and_, ast.LShift: operator.lshift, ast.RShift: operator.rshift,
    ast.Mult: operator.mul,
}


def evaluate(node):
    if isinstance(node, ast.Expression):
        return evaluate(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in OPS:
        return OPS[type(node.op)](evaluate(node.left), evaluate(node.right))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -evaluate(node.operand)
    raise ValueError('unsupported expression')


def read_defines(path):
    """Object-like #defines of @path, in order, as (name, raw expression)."""
    out = []
    with open(path, encoding='latin-1') as f:
        for line in f:
            m = DEFINE.match(line)
            if not m or m.group(2) == '(' or not m.group(3):
                continue
            out.append((m.group(1), m.group(3)))
    return out


def resolve(expr, symbols, depth=0):
    """Integer value of a C constant expression, or None when it is not one."""
    if depth > 8:
        return None
    hresult = bool(re.search(r'_HRESULT_TYPEDEF_|\(\s*HRESULT\s*\)', expr))
    text = WRAPPERS.sub('(', expr)
    text = CASTS.sub('', text)
    text = INT_SUFFIX.sub(r'\1', text)

    def substitute(m):
        name = m.group(0)
        if name in symbols:
            value, _ = symbols[name]
            return str(value)
        raise KeyError(name)

    try:
        text = re.sub(r'\b[A-Za-z_][A-Za-z0-9_]*\b', substitute, text)
        value = evaluate(ast.parse(text.strip(), mode='eval'))
    except (KeyError, SyntaxError, ValueError, TypeError):
        return None
    return value & 0xFFFFFFFF, hresult


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--include', default='/usr/share/mingw-w64/include')
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument('-o', '--output',
                        default=os.path.join(here, '..', 'data', 'diag', 'hresult-table.tsv'))
    args = parser.parse_args()

    symbols = {}     # name -> (value, is_hresult), every resolvable macro, for later references
    facilities = []  # (value, name)
    rows = []        # (kind, value, name, header)
    seen = set()
    for header, wanted in HEADERS:
        path = os.path.join(args.include, header)
        if not os.path.exists(path):
            sys.exit(f'gen-error-table: {path} not found (apt-get install mingw-w64-common)')
        for name, expr in read_defines(path):
            r = resolve(expr, symbols)
            if r is None:
                continue
            value, hresult = r
            symbols[name] = (value, hresult)
            if header == 'winerror.h' and name.startswith('FACILITY_'):
                # FACILITY_NT_BIT is a flag, not a facility: facilities have 13 bits.
                if value <= 0x1FFF:
                    facilities.append((value, name))
                continue
            if SKIP.search(name) or (wanted is not None and not wanted.search(name)):
                continue
            # A name defined as another name (DNS_ERROR_NO_MEMORY ERROR_OUTOFMEMORY) keeps the
            # kind of the one it refers to.
            alias = re.fullmatch(r'\(?\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)?', expr)
            if alias and alias.group(1) in symbols:
                hresult = symbols[alias.group(1)][1]
                symbols[name] = (value, hresult)
            kind = 'hresult' if hresult or value > 0xFFFF else 'win32'
            if (kind, value, name) in seen:
                continue
            seen.add((kind, value, name))
            rows.append((kind, value, name, header))

    try:
        version = subprocess.run(['dpkg-query', '-W', '-f=${Version}', 'mingw-w64-common'],
                                 capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        version = 'unknown'

    order = {h: i for i, (h, _) in enumerate(HEADERS)}
    rows.sort(key=lambda r: (r[0], r[1], order[r[3]]))
    with open(args.output, 'w', encoding='utf-8', newline='\n') as out:
        out.write('# SPDX-License-Identifier: GPL-3.0-or-later\n')
        out.write('# Windows error names and numbers. Generated by build-aux/gen-error-table.py '
                  f'from mingw-w64-common {version}\n')
        out.write('# (public-domain headers: ' + ', '.join(h for h, _ in HEADERS) +
                  '). Do not edit: run the script again.\n')
        out.write('# kind\tvalue\tname\theader   '
                  '(win32 values in decimal, hresult values in hex)\n')
        for value, name in sorted(facilities):
            out.write(f'facility\t{value}\t{name}\twinerror.h\n')
        for kind, value, name, header in rows:
            shown = str(value) if kind == 'win32' else f'0x{value:08X}'
            out.write(f'{kind}\t{shown}\t{name}\t{header}\n')
    counts = {k: sum(1 for r in rows if r[0] == k) for k in ('win32', 'hresult')}
    print(f'gen-error-table: {len(facilities)} facilities, {counts["win32"]} Win32 codes, '
          f'{counts["hresult"]} HRESULTs -> {os.path.normpath(args.output)}')


if __name__ == '__main__':
    main()
