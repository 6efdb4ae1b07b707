"""A logging PostgreSQL protocol proxy: listens on LISTEN_PORT, forwards to TARGET_PORT, and writes one JSON line per
round trip (a simple Query, or the extended messages up to Sync): the SQL texts sent, whether an error came back
(SQLSTATE) and the DataRow payloads (hex)."""
import asyncio, json, sys

usage = "usage: logging_proxy.py LISTEN_PORT TARGET_PORT OUTPUT.jsonl"
LISTEN, TARGET, OUT = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
out = open(OUT, "a")

async def pipe_client(reader, writer, pending):
    # startup message (no type byte)
    head = await reader.readexactly(4); n = int.from_bytes(head, "big"); body = await reader.readexactly(n - 4)
    writer.write(head + body); await writer.drain()
    texts = []
    while True:
        t = await reader.read(1)
        if not t: break
        head = await reader.readexactly(4); n = int.from_bytes(head, "big"); body = await reader.readexactly(n - 4)
        if t == b"Q":
            pending.append([body[:-1].decode("utf-8", "replace")])
        elif t == b"P":
            name_end = body.index(b"\0"); q_end = body.index(b"\0", name_end + 1)
            texts.append(body[name_end + 1:q_end].decode("utf-8", "replace"))
        elif t == b"S":
            pending.append(texts); texts = []
        writer.write(t + head + body); await writer.drain()
    writer.close()

async def pipe_server(reader, writer, pending):
    rows, error = [], None
    while True:
        t = await reader.read(1)
        if not t: break
        head = await reader.readexactly(4); n = int.from_bytes(head, "big"); body = await reader.readexactly(n - 4)
        if t == b"D": rows.append(body.hex())
        elif t == b"E":
            fields = {f[:1]: f[1:].decode("utf-8", "replace") for f in body.split(b"\0") if f}
            error = fields.get(b"C")
        elif t == b"Z":
            if pending:
                texts = pending.pop(0)
                if texts: out.write(json.dumps({"sql": texts, "error": error, "rows": rows}) + "\n"); out.flush()
            rows, error = [], None
        writer.write(t + head + body); await writer.drain()
    writer.close()

async def handle(client_reader, client_writer):
    server_reader, server_writer = await asyncio.open_connection("127.0.0.1", TARGET)
    pending = []
    await asyncio.gather(pipe_client(client_reader, server_writer, pending), pipe_server(server_reader, client_writer, pending), return_exceptions=True)

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", LISTEN)
    async with server: await server.serve_forever()
asyncio.run(main())
