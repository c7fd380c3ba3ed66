#!/usr/bin/env python3
"""Generates Bulwark's Redis command table from a real redis-server 7.0.

    gen_command_table.py [--port N] (--out DIR | --check DIR)

It asks the server for COMMAND (arity, flags, key positions, ACL categories, key specs, subcommands)
and COMMAND DOCS (the group) and writes DIR/command_ids.inc and DIR/command_table_data.inc, which
agent/redis/command_table.{h,cpp} include. With --check it writes nothing and exits 1 when the files in
DIR differ from what it would write, printing a diff: the committed table cannot drift silently from
the server it claims to describe. Without --port it starts `redis-server` on a free loopback port and
stops it afterwards. Only the Python standard library is used; the server is spoken to in RESP directly.

Bulwark's classification (CommandClass) is derived here, from the server's facts plus the few rules
below, so that it is reviewed in one place:
  Read         the `readonly` flag, and EVAL_RO, EVALSHA_RO, FCALL_RO
  Write        the `write` flag, and EVAL, EVALSHA, FCALL (a script may write)
  Admin        the `admin` flag or @admin
  Blocking     the `blocking` flag or @blocking, and WAIT (it holds the connection until replicas ack)
  PubSub       the `pubsub` flag or @pubsub
  Transaction  @transaction (MULTI, EXEC, DISCARD, WATCH, UNWATCH)
  Scripting    @scripting
The primary class is the first that applies of Transaction, PubSub, Blocking, Admin, Write, Read,
Scripting, else Other. A container (CLIENT, CONFIG, ...) has no class of its own: its subcommands do.
"""

import argparse
import difflib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

COMMAND_FLAGS = [
    "write", "readonly", "denyoom", "admin", "pubsub", "noscript", "blocking", "loading", "stale",
    "skip_monitor", "skip_slowlog", "asking", "fast", "no_auth", "no_mandatory_keys", "no_multi",
    "movablekeys", "allow_busy", "no_async_loading",
]
ACL_CATEGORIES = [
    "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap", "hyperloglog",
    "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection",
    "transaction", "scripting",
]
KEY_FLAGS = ["RO", "RW", "OW", "RM", "access", "update", "insert", "delete", "not_key", "incomplete",
             "variable_flags"]

SCRIPT_WRITERS = {"eval", "evalsha", "fcall"}
SCRIPT_READERS = {"eval_ro", "evalsha_ro", "fcall_ro"}
EXTRA_BLOCKING = {"wait", "waitaof"}
SUBSCRIBE = {"subscribe", "psubscribe", "ssubscribe"}
UNSUBSCRIBE = {"unsubscribe", "punsubscribe", "sunsubscribe"}
BLOCK_OPTION = {"xread", "xreadgroup"}
PRIMARY_ORDER = ["Transaction", "PubSub", "Blocking", "Admin", "Write", "Read", "Scripting"]


class RespError(Exception):
    pass


class Connection:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.reader = self.sock.makefile("rb")

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a.encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))
        return self._read()

    def _read(self):
        line = self.reader.readline()
        if not line.endswith(b"\r\n"):
            raise RespError("connection closed")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.reader.read(n + 2)
            return data[:-2].decode()
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._read() for _ in range(n)]
        raise RespError("unexpected reply %r" % line)


def pairs(flat):
    return dict(zip(flat[::2], flat[1::2]))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server():
    tmp = tempfile.mkdtemp(prefix="bulwark-gen-")
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", tmp, "--daemonize", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port, tmp
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("redis-server did not start")


def camel(name):
    parts = name.replace("|", "-").replace("_", "-").split("-")
    return "".join(p[:1].upper() + p[1:] for p in parts)


def bits(prefix, names, known, what, command):
    out = []
    for n in names:
        n = n.lstrip("@")
        if n not in known:
            raise SystemExit("%s: unknown %s %r: add it to the generator and command_table.h" %
                             (command, what, n))
        out.append(prefix + known_const(n))
    return " | ".join(out) if out else "0"


def known_const(name):
    if name in ("RO", "RW", "OW", "RM"):
        return "k" + name
    return "k" + "".join(p[:1].upper() + p[1:] for p in name.split("_"))


def cxx_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Entry:
    def __init__(self, info, parent_name):
        name, arity, flags, first, last, step, acl, _tips, specs, subs = info
        self.name = name.lower()
        self.parent_name = parent_name
        self.arity = arity
        self.flags = flags
        self.first, self.last, self.step = first, last, step
        self.acl = [a.lstrip("@") for a in acl]
        self.specs = [pairs(s) for s in specs]
        self.subs = sorted((Entry(s, self.name) for s in subs), key=lambda e: e.name)
        self.group = ""

    def classes(self):
        f, a, n = set(self.flags), set(self.acl), self.name
        c = []
        if "readonly" in f or n in SCRIPT_READERS:
            c.append("Read")
        if "write" in f or n in SCRIPT_WRITERS:
            c.append("Write")
        if "admin" in f or "admin" in a:
            c.append("Admin")
        if "blocking" in f or "blocking" in a or n in EXTRA_BLOCKING:
            c.append("Blocking")
        if "pubsub" in f or "pubsub" in a:
            c.append("PubSub")
        if "transaction" in a:
            c.append("Transaction")
        if "scripting" in a:
            c.append("Scripting")
        if self.subs:
            c = []
        return c

    def primary(self):
        c = self.classes()
        for p in PRIMARY_ORDER:
            if p in c:
                return p
        return "Other"

    def traits(self):
        t = []
        if self.name in SUBSCRIBE:
            t.append("kSubscribe")
        if self.name in UNSUBSCRIBE:
            t.append("kUnsubscribe")
        if self.name in BLOCK_OPTION:
            t.append("kBlockOption")
        if self.subs:
            t.append("kContainer")
        return " | ".join("command_trait::" + x for x in t) if t else "0"


def spec_initializer(spec, command):
    flags = bits("key_flag::", spec["flags"], KEY_FLAGS, "key-spec flag", command)
    bs = pairs(spec["begin_search"])
    fk = pairs(spec["find_keys"])
    bss, fks = pairs(bs["spec"]) if bs["spec"] else {}, pairs(fk["spec"]) if fk["spec"] else {}
    begin, index, keyword, start_from = "KeySpec::Begin::Unknown", 0, '""', 0
    if bs["type"] == "index":
        begin, index = "KeySpec::Begin::Index", bss["index"]
    elif bs["type"] == "keyword":
        begin, keyword, start_from = "KeySpec::Begin::Keyword", cxx_string(bss["keyword"]), bss["startfrom"]
    elif bs["type"] != "unknown":
        raise SystemExit("%s: unknown begin_search type %r" % (command, bs["type"]))
    find, last_key, key_step, limit, keynum_idx, first_key = "KeySpec::Find::Unknown", 0, 0, 0, 0, 0
    if fk["type"] == "range":
        find, last_key, key_step, limit = ("KeySpec::Find::Range", fks["lastkey"], fks["keystep"],
                                           fks["limit"])
    elif fk["type"] == "keynum":
        find, keynum_idx, first_key, key_step = ("KeySpec::Find::Keynum", fks["keynumidx"],
                                                 fks["firstkey"], fks["keystep"])
    elif fk["type"] != "unknown":
        raise SystemExit("%s: unknown find_keys type %r" % (command, fk["type"]))
    return "{%s, %s, %d, %s, %d, %s, %d, %d, %d, %d, %d}," % (
        flags, begin, index, keyword, start_from, find, last_key, key_step, limit, keynum_idx, first_key)


def generate(port):
    conn = Connection(port)
    version = "unknown"
    for line in conn.call("INFO", "server").splitlines():
        if line.startswith("redis_version:"):
            version = line.split(":", 1)[1].strip()
    commands = sorted((Entry(c, "") for c in conn.call("COMMAND")), key=lambda e: e.name)
    docs = pairs(conn.call("COMMAND", "DOCS"))
    for e in commands:
        d = pairs(docs[e.name])
        e.group = d.get("group", "")
        subdocs = pairs(d.get("subcommands") or [])
        for s in e.subs:
            s.group = pairs(subdocs[s.name]).get("group", "") if s.name in subdocs else e.group

    # Table order: position 0 is Unknown, then each command followed by its subcommands, so a
    # container's subcommands are one contiguous run and CommandId values are table positions.
    ordered = []
    for e in commands:
        ordered.append(e)
        ordered.extend(e.subs)
    position = {e.name: i + 1 for i, e in enumerate(ordered)}
    ids = [camel(e.name) for e in ordered]
    if len(set(ids)) != len(ids) or "Unknown" in ids:
        raise SystemExit("command identifiers collide")

    header = ("// Generated by agent/redis/tools/gen_command_table.py from redis-server %s. Do not edit:\n"
              "// regenerate with `agent/redis/tools/gen_command_table.py --out agent/redis`.\n" % version)
    id_lines = [header]
    for e, ident in zip(ordered, ids):
        id_lines.append("%s,  // %s\n" % (ident, e.name))

    spec_lines, row_lines = [], []
    spec_count = 0
    for e, ident in zip(ordered, ids):
        spec_begin = spec_count
        for s in e.specs:
            spec_lines.append("    %s  // %s\n" % (spec_initializer(s, e.name), e.name))
            spec_count += 1
        classes = e.classes()
        class_mask = " | ".join("C(%s)" % c for c in classes) if classes else "0"
        sub_begin = position[e.subs[0].name] if e.subs else 0
        parent = position[e.parent_name] if e.parent_name else 0
        row_lines.append(
            "    {%s, CommandId::%s, %d, %s, %s, %s, CommandClass::%s, %s, %d, %d, %d, %d, %d, %d, %d, %d, %s},\n"
            % (cxx_string(e.name), ident, e.arity,
               bits("command_flag::", e.flags, COMMAND_FLAGS, "flag", e.name),
               bits("acl_category::", e.acl, ACL_CATEGORIES, "ACL category", e.name),
               class_mask, e.primary(), e.traits(), e.first, e.last, e.step, spec_begin,
               spec_count - spec_begin, sub_begin, len(e.subs), parent, cxx_string(e.group)))

    data = [header,
            "// Included by command_table.cpp inside namespace bulwark::redis, with C(x) standing for\n"
            "// static_cast<ClassMask>(CommandClass::x).\n\n",
            "inline constexpr std::string_view kTableRedisVersion = %s;\n\n" % cxx_string(version),
            "inline constexpr KeySpec kKeySpecs[] = {\n",
            "    // flags, begin, index, keyword, startFrom, find, lastKey, keyStep, limit, keyNumIdx, firstKey\n"]
    data += spec_lines
    data += ["};\n\n",
             "inline constexpr CommandInfo kCommands[] = {\n",
             "    // name, id, arity, flags, acl, classes, primary, traits, firstKey, lastKey, keyStep,\n",
             "    // keySpecBegin, keySpecCount, subBegin, subCount, parent, group\n",
             "    {\"\", CommandId::Unknown, 0, 0, 0, 0, CommandClass::Other, 0, 0, 0, 0, 0, 0, 0, 0, 0, \"\"},\n"]
    data += row_lines
    data += ["};\n"]
    return {"command_ids.inc": "".join(id_lines), "command_table_data.inc": "".join(data)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, help="a running redis-server on 127.0.0.1 (default: start one)")
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--out", help="write the generated files into this directory")
    group.add_argument("--check", help="compare with the files in this directory; exit 1 on a difference")
    args = ap.parse_args()

    proc = tmp = None
    port = args.port
    if port is None:
        proc, port, tmp = start_server()
    try:
        files = generate(port)
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=10)
            shutil.rmtree(tmp, ignore_errors=True)

    if args.out:
        for name, text in files.items():
            with open(os.path.join(args.out, name), "w") as f:
                f.write(text)
        return 0
    differs = False
    for name, text in files.items():
        path = os.path.join(args.check, name)
        try:
            with open(path) as f:
                have = f.read()
        except OSError:
            have = ""
        if have != text:
            differs = True
            sys.stdout.writelines(difflib.unified_diff(have.splitlines(True), text.splitlines(True),
                                                       path, "generated from the server"))
    if differs:
        print("The committed command table differs from the server's; regenerate it with --out.")
        return 1
    print("%s matches the server" % ", ".join(sorted(files)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
