using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;

namespace CompletionLsp.Server.Transport;

/// <summary>
/// The server's side of stdin, between the client and StreamJsonRpc. StreamJsonRpc drops the whole connection on a
/// message it cannot read (malformed JSON, a missing Content-Length, a JSON value that is no JSON-RPC message, a response
/// to no request): this stream reads the Content-Length framing itself, checks every message, and passes on only
/// well-formed ones, re-framed. Bad ones are answered with a JSON-RPC error (id null when it cannot be read) and logged;
/// the reader then resynchronises on the next "Content-Length:" header. A wrong Content-Length desynchronises the
/// stream: one that is too small leaves the rest of the body before the next header (skipped with it); one that is too
/// large is noticed where a complete JSON value is followed by more bytes, or where bytes that are not JSON are
/// followed by a "Content-Length:" header (a message cut short), and the reader resumes at the next message.
/// </summary>
public sealed class LspInputGuard : Stream
{
    /// <summary>Messages larger than this are skipped as they arrive, never held whole. 32 MiB holds any document
    /// under the engine's size limit (4 Mi UTF-16 units, at most 6 JSON bytes each).</summary>
    public const int DefaultMaxMessageBytes = 32 << 20;

    /// <summary>What the guard hands the server in place of a didOpen or didChange over the size limit, so that the
    /// document is marked too large in message order (and the user told) instead of going stale.</summary>
    public const string DocumentTooLargeMethod = "$/completionLsp/documentTooLarge";
    private const int MaxHeaderBytes = 64 * 1024;
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();

    private readonly PipeReader _reader;
    private readonly LspOutputGuard _output;
    private readonly Action<string> _log;
    private readonly int _maxMessageBytes;
    private byte[] _frame = [];
    private int _framePos;

    public LspInputGuard(Stream input, LspOutputGuard output, Action<string> log, int maxMessageBytes = DefaultMaxMessageBytes)
    {
        _reader = PipeReader.Create(input, new StreamPipeReaderOptions(bufferSize: 64 * 1024));
        _output = output;
        _log = RateLimited(log);
        _maxMessageBytes = maxMessageBytes;
    }

    /// <summary>Log lines about bad input allowed per minute; past it they are counted and summed up once a minute.</summary>
    public const int MaxLogLinesPerMinute = 30;

    /// <summary>A client that sends junk fast must not turn the log into junk too: at most
    /// <see cref="MaxLogLinesPerMinute"/> lines a minute, then one line with the number left out.</summary>
    private static Action<string> RateLimited(Action<string> log)
    {
        long windowStart = Environment.TickCount64;
        int inWindow = 0, suppressed = 0;
        var gate = new object();
        return message =>
        {
            string? summary = null;
            bool write;
            lock (gate)
            {
                long now = Environment.TickCount64;
                if (now - windowStart >= 60_000)
                {
                    if (suppressed > 0) summary = $"{suppressed} more problems with the client's input in the last minute were not logged";
                    windowStart = now;
                    inWindow = suppressed = 0;
                }
                write = ++inWindow <= MaxLogLinesPerMinute;
                if (!write) suppressed++;
                else if (inWindow == MaxLogLinesPerMinute) message += $" (further input problems this minute are counted, not logged)";
            }
            if (summary != null) log(summary);
            if (write) log(message);
        };
    }

    private long _junkRun; // bytes skipped in the current run of junk (no header in it), reported once per run

    /// <summary>Messages rejected so far (for tests and logs).</summary>
    public int Rejected { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        while (_framePos >= _frame.Length)
        {
            var next = await NextFrameAsync(ct).ConfigureAwait(false);
            if (next == null) return 0;
            _frame = next;
            _framePos = 0;
        }
        int n = Math.Min(buffer.Length, _frame.Length - _framePos);
        _frame.AsSpan(_framePos, n).CopyTo(buffer.Span);
        _framePos += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    private async ValueTask<byte[]?> NextFrameAsync(CancellationToken ct)
    {
        while (true)
        {
            var rr = await _reader.ReadAsync(ct).ConfigureAwait(false);
            var buf = rr.Buffer;
            long headerEnd = IndexOf(buf, HeaderEnd, MaxHeaderBytes);
            if (headerEnd < 0)
            {
                if (rr.IsCompleted)
                {
                    if (!IsWhitespace(buf)) await RejectAsync(LspErrorCodesInternal.ParseError, "the input ended in the middle of a message header", null).ConfigureAwait(false);
                    _reader.AdvanceTo(buf.End);
                    return null;
                }
                if (buf.Length > MaxHeaderBytes)
                {
                    // No header end in a long run of bytes: garbage. Keep a short tail in case a header starts there.
                    _reader.AdvanceTo(buf.GetPosition(buf.Length - 32));
                    // One answer and one log line per run of junk, however long: not one per 64 KiB.
                    if (_junkRun == 0) await RejectAsync(LspErrorCodesInternal.ParseError, $"{buf.Length - 32} bytes that are no message header were skipped (and any more up to the next header)", null).ConfigureAwait(false);
                    else Rejected++;
                    _junkRun += buf.Length - 32;
                    continue;
                }
                _reader.AdvanceTo(buf.Start, buf.End);
                continue;
            }

            if (_junkRun > 0)
            {
                _log($"in all, {_junkRun:N0} bytes that are no message header were skipped before this header");
                _junkRun = 0;
            }
            long bodyStart = headerEnd + HeaderEnd.Length;
            var header = Encoding.ASCII.GetString(buf.Slice(0, headerEnd).ToArray());
            var (length, problem) = ParseHeader(header, _maxMessageBytes);
            if (length > _maxMessageBytes)
            {
                var frame = await SkipOversizedAsync(rr, bodyStart, length).ConfigureAwait(false);
                if (frame == null && _completed) return null;
                if (frame != null) return frame;
                await RejectAsync(LspErrorCodesInternal.ParseError, problem!, null).ConfigureAwait(false);
                continue;
            }
            if (problem != null)
            {
                _reader.AdvanceTo(buf.GetPosition(bodyStart));
                await RejectAsync(LspErrorCodesInternal.ParseError, problem, null).ConfigureAwait(false);
                continue;
            }

            // Wait for the body. Meanwhile, watch for a Content-Length that is too large: a complete JSON value
            // followed by the next message's header means the length lied; resynchronise there instead of swallowing it.
            var scan = new BodyScan();
            bool resynced = false;
            while (buf.Length - bodyStart < length)
            {
                if (rr.IsCompleted)
                {
                    _reader.AdvanceTo(buf.End);
                    await RejectAsync(LspErrorCodesInternal.ParseError, $"the input ended in the middle of a message ({buf.Length - bodyStart} of {length} bytes)", null).ConfigureAwait(false);
                    return null;
                }
                long next = scan.Advance(buf.Slice(bodyStart));
                if (next >= 0)
                {
                    _reader.AdvanceTo(buf.GetPosition(bodyStart + next));
                    await RejectAsync(LspErrorCodesInternal.ParseError, $"Content-Length {length} is larger than the message ({next} bytes); skipped it", null).ConfigureAwait(false);
                    resynced = true;
                    break;
                }
                // A message cut short (not even JSON up to here) followed by the next message's header: resynchronise
                // on that header instead of swallowing the messages after it until the promised length is reached.
                long header2 = scan.Failed ? IndexOfHeader(buf.Slice(bodyStart)) : -1;
                if (header2 > 0)
                {
                    _reader.AdvanceTo(buf.GetPosition(bodyStart + header2));
                    await RejectAsync(LspErrorCodesInternal.ParseError, $"a message cut short after {header2} of {length} bytes; resynchronised on the next header", null).ConfigureAwait(false);
                    resynced = true;
                    break;
                }
                _reader.AdvanceTo(buf.Start, buf.End);
                rr = await _reader.ReadAsync(ct).ConfigureAwait(false);
                buf = rr.Buffer;
            }
            if (resynced) continue;

            var body = buf.Slice(bodyStart, length).ToArray();
            if (header.Contains("Content-Type", StringComparison.OrdinalIgnoreCase) && !CharsetIsUtf8(header))
            {
                _reader.AdvanceTo(buf.GetPosition(bodyStart + length));
                await RejectAsync(LspErrorCodesInternal.ParseError, "only the utf-8 charset is supported", null).ConfigureAwait(false);
                continue;
            }
            var v = Validate(body);
            if (!v.Accept && v.Code == LspErrorCodesInternal.ParseError && CutShortAt(body) is > 0 and var cut)
            {
                // Not JSON, and the next message's header inside: this message was cut short (its Content-Length
                // counted bytes it never sent). Resynchronise on that header.
                _reader.AdvanceTo(buf.GetPosition(bodyStart + cut));
                await RejectAsync(LspErrorCodesInternal.ParseError, $"a message cut short after {cut} of {length} bytes; resynchronised on the next header", null).ConfigureAwait(false);
                continue;
            }
            _reader.AdvanceTo(buf.GetPosition(bodyStart + length));
            if (v.Accept)
            {
                var head = Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n");
                var frame = new byte[head.Length + body.Length];
                head.CopyTo(frame, 0);
                body.CopyTo(frame, head.Length);
                return frame;
            }
            if (v.Code != 0) await RejectAsync(v.Code, v.Problem!, v.RawId).ConfigureAwait(false);
            else { Rejected++; _log(v.Problem!); }
        }
    }

    /// <summary>Parses the header block: Content-Length is required (the last one wins); other headers are ignored.</summary>
    internal static (int Length, string? Problem) ParseHeader(string header, int max)
    {
        int at = header.LastIndexOf("Content-Length:", StringComparison.OrdinalIgnoreCase);
        if (at < 0) return (0, $"a message header without Content-Length: '{Shorten(header)}'");
        int end = header.IndexOf('\r', at);
        var value = header[(at + "Content-Length:".Length)..(end < 0 ? header.Length : end)].Trim();
        if (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n))
            return (0, $"a bad Content-Length '{Shorten(value)}'");
        if (n <= 0) return (0, "a message with Content-Length 0");
        if (n > max) return (n, $"a message of {n} bytes, over the limit of {max}");
        return (n, null);
    }

    private bool _completed;

    /// <summary>
    /// Skips a message over the size limit as it arrives (never holding it whole). When it is a didOpen or didChange,
    /// returns a small frame of <see cref="DocumentTooLargeMethod"/> naming the document (its method and uri are read
    /// from the first bytes); else null.
    /// </summary>
    private async Task<byte[]?> SkipOversizedAsync(ReadResult rr, long bodyStart, long length)
    {
        var buf = rr.Buffer;
        long peek = Math.Min(length, 16 * 1024);
        // Enough of the start to read the method and uri, unless a header comes first (the length lied).
        while (buf.Length - bodyStart < peek && !rr.IsCompleted && IndexOfHeader(buf.Slice(bodyStart)) < 0)
        {
            _reader.AdvanceTo(buf.Start, buf.End);
            rr = await _reader.ReadAsync().ConfigureAwait(false);
            buf = rr.Buffer;
        }
        var (method, uri) = MethodAndUri(buf.Slice(bodyStart, Math.Min(peek, buf.Length - bodyStart)));
        // Skip what arrives, up to the promised length; a header on the way means the length lied (a JSON document's
        // text holds no raw line break): resynchronise there, as for any other message.
        long left = length;
        var chunk = buf.Slice(bodyStart, Math.Min(left, buf.Length - bodyStart));
        while (true)
        {
            long h = IndexOfHeader(chunk);
            if (h >= 0)
            {
                _reader.AdvanceTo(chunk.GetPosition(h));
                _log($"a message promised {length:N0} bytes, over the limit, but a header came after {length - left + h:N0}; resynchronised there");
                break;
            }
            _reader.AdvanceTo(chunk.End);
            left -= chunk.Length;
            if (left <= 0) break;
            rr = await _reader.ReadAsync().ConfigureAwait(false);
            if (rr.Buffer.Length == 0 && rr.IsCompleted) { _reader.AdvanceTo(rr.Buffer.End); _completed = true; return null; }
            chunk = rr.Buffer.Slice(0, Math.Min(left, rr.Buffer.Length));
        }
        _log($"skipped a message of {length:N0} bytes, over the limit of {_maxMessageBytes:N0} ({method ?? "no method found"}{(uri != null ? " " + uri : "")})");
        if (method is not ("textDocument/didOpen" or "textDocument/didChange") || uri == null) return null;
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["jsonrpc"] = "2.0", ["method"] = DocumentTooLargeMethod,
            ["params"] = new Dictionary<string, object> { ["uri"] = uri, ["bytes"] = length, ["method"] = method },
        });
        var head = Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n");
        return [.. head, .. body];
    }

    /// <summary>"method" and "params.textDocument.uri" from the start of a message, as far as it goes.</summary>
    internal static (string? Method, string? Uri) MethodAndUri(ReadOnlySequence<byte> start)
    {
        string? method = null, uri = null;
        var r = new Utf8JsonReader(start, false, new JsonReaderState(new JsonReaderOptions { MaxDepth = 64 }));
        var path = new List<string>();
        string? pending = null;
        try
        {
            while ((method == null || uri == null) && r.Read())
            {
                switch (r.TokenType)
                {
                    case JsonTokenType.PropertyName: pending = r.GetString(); break;
                    case JsonTokenType.StartObject: path.Add(pending ?? ""); pending = null; break;
                    case JsonTokenType.EndObject: if (path.Count > 0) path.RemoveAt(path.Count - 1); break;
                    case JsonTokenType.String:
                        if (path.Count == 1 && pending == "method") method = r.GetString();
                        else if (path.Count == 3 && path[1] == "params" && path[2] == "textDocument" && pending == "uri") uri = r.GetString();
                        pending = null;
                        break;
                    case JsonTokenType.StartArray: path.Add(pending ?? "[]"); pending = null; break;
                    case JsonTokenType.EndArray: if (path.Count > 0) path.RemoveAt(path.Count - 1); break;
                    default: pending = null; break;
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException) { /* as far as it goes */ }
        return (method, uri);
    }

    private static bool CharsetIsUtf8(string header)
    {
        int at = header.IndexOf("charset=", StringComparison.OrdinalIgnoreCase);
        if (at < 0) return true;
        var cs = header[(at + 8)..].Split(['\r', ';'])[0].Trim().Trim('"');
        return cs.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || cs.Equals("utf8", StringComparison.OrdinalIgnoreCase);
    }

    private static string Shorten(string s) => s.Length <= 80 ? s.Replace("\r\n", "\\r\\n") : s[..80].Replace("\r\n", "\\r\\n") + "...";

    internal readonly record struct Verdict(bool Accept, int Code, string? Problem, string? RawId);

    /// <summary>Checks that a body is one JSON-RPC 2.0 request, notification, or response to a request this server sent.</summary>
    internal Verdict Validate(byte[] body)
    {
        string? method = null, rawId = null, idKey = null, version = null;
        bool hasId = false, badId = false, hasResult = false, hasError = false, badParams = false, arrayParams = false;
        if (!System.Text.Unicode.Utf8.IsValid(body)) return new(false, LspErrorCodesInternal.ParseError, "a message that is not valid UTF-8", null);
        try
        {
            var r = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 512 });
            if (!r.Read()) return new(false, LspErrorCodesInternal.ParseError, "an empty message", null);
            if (r.TokenType != JsonTokenType.StartObject)
            {
                // Validate the rest as JSON first, so that garbage is a parse error and a batch an invalid request.
                r.Skip();
                while (r.Read()) { }
                return new(false, LspErrorCodesInternal.InvalidRequest, r.TokenType == JsonTokenType.EndArray
                    ? "batches are not supported" : "a message that is not a JSON object", null);
            }
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                string name = r.GetString()!;
                r.Read();
                switch (name)
                {
                    case "jsonrpc":
                        version = r.TokenType == JsonTokenType.String ? r.GetString() : "?";
                        break;
                    case "method":
                        method = r.TokenType == JsonTokenType.String ? r.GetString() : null;
                        if (method == null) { badParams = true; r.Skip(); }
                        break;
                    case "id":
                        hasId = true;
                        if (r.TokenType is JsonTokenType.Number)
                            rawId = Encoding.UTF8.GetString(body, (int)r.TokenStartIndex, r.ValueSpan.Length);
                        else if (r.TokenType is JsonTokenType.String)
                            rawId = Encoding.UTF8.GetString(body, (int)r.TokenStartIndex, r.ValueSpan.Length + 2);
                        else if (r.TokenType is JsonTokenType.Null) rawId = null;
                        else { badId = true; r.Skip(); break; }
                        idKey = LspOutputGuard.IdKey(ref r);
                        break;
                    case "params":
                        // null is read as no params: clients send it for methods without params (shutdown, exit).
                        if (r.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray or JsonTokenType.Null)) badParams = true;
                        // JSON-RPC allows positional params, but every LSP method takes an object (StreamJsonRpc would
                        // answer an array with its own .NET signatures).
                        // An empty array is no params (some JSON-RPC clients send [] for methods without params).
                        if (r.TokenType is JsonTokenType.StartArray)
                        {
                            var peek = r;
                            if (peek.Read() && peek.TokenType != JsonTokenType.EndArray) arrayParams = true;
                        }
                        r.Skip();
                        break;
                    case "result": hasResult = true; r.Skip(); break;
                    case "error": hasError = r.TokenType == JsonTokenType.StartObject; r.Skip(); break;
                    default: r.Skip(); break;
                }
            }
            while (r.Read()) { } // trailing content throws
        }
        catch (JsonException e)
        {
            return new(false, LspErrorCodesInternal.ParseError, "malformed JSON: " + e.Message, null);
        }
        if (version != "2.0") return new(false, LspErrorCodesInternal.InvalidRequest, "not a JSON-RPC 2.0 message (\"jsonrpc\": \"2.0\" is missing)", rawId);
        if (badId) return new(false, LspErrorCodesInternal.InvalidRequest, "a message id that is neither a number nor a string", null);
        if (method != null)
        {
            if (badParams) return hasId ? new(false, LspErrorCodesInternal.InvalidParams, "params must be an object or an array", rawId)
                : new(false, 0, $"dropped notification '{method}': params must be an object or an array", null);
            if (arrayParams) return hasId ? new(false, LspErrorCodesInternal.InvalidParams, $"{method}: params must be an object (LSP methods take named parameters, not an array)", rawId)
                : new(false, 0, $"dropped notification '{method}': params must be an object, not an array", null);
            return new(true, 0, null, rawId);
        }
        if (badParams) return new(false, LspErrorCodesInternal.InvalidRequest, "\"method\" must be a string", rawId);
        if (hasId && idKey != null && (hasResult || hasError))
        {
            if (_output.TryCompleteOutgoing(idKey)) return new(true, 0, null, rawId);
            return new(false, 0, $"dropped a response to no request of this server (id {rawId})", null);
        }
        return new(false, LspErrorCodesInternal.InvalidRequest, "a message that is neither a request, a notification nor a response", rawId);
    }

    private async Task RejectAsync(int code, string problem, string? rawId)
    {
        Rejected++;
        _log($"bad message from the client: {problem}");
        var body = Encoding.UTF8.GetBytes(
            $"{{\"jsonrpc\":\"2.0\",\"id\":{rawId ?? "null"},\"error\":{{\"code\":{code},\"message\":{JsonSerializer.Serialize(problem)}}}}}");
        await _output.WriteMessageAsync(body).ConfigureAwait(false);
    }

    private static long IndexOf(in ReadOnlySequence<byte> buf, ReadOnlySpan<byte> value, int limit)
    {
        var slice = buf.Length > limit ? buf.Slice(0, limit) : buf;
        if (slice.IsSingleSegment)
        {
            int i = slice.FirstSpan.IndexOf(value);
            return i;
        }
        var arr = slice.ToArray();
        return arr.AsSpan().IndexOf(value);
    }

    private static readonly byte[] HeaderName = "Content-Length:"u8.ToArray();
    private static readonly byte[] HeaderNameLower = "content-length:"u8.ToArray();

    /// <summary>Where a "Content-Length:" header (any case) starts in <paramref name="buf"/>, or -1.</summary>
    private static long IndexOfHeader(in ReadOnlySequence<byte> buf)
    {
        var span = buf.IsSingleSegment ? buf.FirstSpan : buf.ToArray();
        for (int from = 0; from < span.Length;)
        {
            int i = span[from..].IndexOfAny((byte)'C', (byte)'c');
            if (i < 0) return -1;
            i += from;
            if (span.Length - i >= HeaderName.Length)
            {
                bool match = true;
                for (int k = 0; k < HeaderName.Length && match; k++) match = span[i + k] == HeaderName[k] || span[i + k] == HeaderNameLower[k];
                if (match) return i;
            }
            from = i + 1;
        }
        return -1;
    }

    /// <summary>In a body that is not JSON, where the next message's header starts: inside it, or a beginning of
    /// "Content-Length:" at its very end (the rest is still to come); -1 if neither.</summary>
    private static long CutShortAt(byte[] body)
    {
        long at = IndexOfHeader(new ReadOnlySequence<byte>(body));
        if (at >= 0) return at;
        for (int n = Math.Min(body.Length - 1, HeaderName.Length - 1); n >= 1; n--)
        {
            bool match = true;
            for (int k = 0; k < n && match; k++)
            {
                byte b = body[body.Length - n + k];
                match = b == HeaderName[k] || b == HeaderNameLower[k];
            }
            if (match) return body.Length - n;
        }
        return -1;
    }

    private static bool IsWhitespace(in ReadOnlySequence<byte> buf)
    {
        foreach (var seg in buf)
            foreach (var b in seg.Span)
                if (b is not ((byte)' ' or (byte)'\r' or (byte)'\n' or (byte)'\t')) return false;
        return true;
    }

    /// <summary>Incremental scan of a body that is still arriving: finds where a complete JSON value ends early.</summary>
    private sealed class BodyScan
    {
        private JsonReaderState _state = new(new JsonReaderOptions { MaxDepth = 512 });
        private long _consumed;
        private long _retryAt; // unscanned bytes needed before the next attempt (a long token still arriving)
        private bool _done, _failed;

        /// <summary>True when the bytes so far are not the start of a JSON value.</summary>
        public bool Failed => _failed;

        /// <summary>Offset of non-blank bytes after a complete JSON value (where the next message starts), or -1.</summary>
        public long Advance(ReadOnlySequence<byte> body)
        {
            if (_failed) return -1;
            if (!_done)
            {
                // A token still arriving (a document's text: megabytes in one string) is re-read from its start at
                // each attempt: wait until the unread part has doubled, so that the scan stays linear in the body.
                long unread = body.Length - _consumed;
                if (unread < _retryAt) return -1;
                var r = new Utf8JsonReader(body.Slice(_consumed), false, _state);
                try
                {
                    while (r.Read())
                    {
                        if (r.CurrentDepth == 0 && r.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
                        {
                            _done = true;
                            break;
                        }
                    }
                }
                catch (JsonException) { _failed = true; return -1; }
                _consumed += r.BytesConsumed;
                _state = r.CurrentState;
                if (!_done)
                {
                    long left = body.Length - _consumed;
                    _retryAt = left > 64 * 1024 ? left * 2 : 0;
                    return -1;
                }
            }
            long pos = _consumed;
            foreach (var seg in body.Slice(_consumed))
            {
                foreach (var b in seg.Span)
                {
                    if (b is not ((byte)' ' or (byte)'\r' or (byte)'\n' or (byte)'\t')) return pos;
                    pos++;
                }
            }
            _consumed = pos;
            return -1;
        }
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _reader.Complete();
        base.Dispose(disposing);
    }
}

internal static class LspErrorCodesInternal
{
    public const int ParseError = Protocol.LspErrorCodes.ParseError;
    public const int InvalidRequest = Protocol.LspErrorCodes.InvalidRequest;
    public const int InvalidParams = Protocol.LspErrorCodes.InvalidParams;
}
