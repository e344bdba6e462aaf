using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace CompletionLsp.Server.Transport;

/// <summary>
/// The server's side of stdout: StreamJsonRpc writes Content-Length framed messages into this stream, and each flush
/// sends the complete frames on to the real output under one lock, so that messages the input guard answers itself
/// (parse errors) never land in the middle of another message. It also remembers the ids of the requests the server
/// sent to the client, so the input guard can drop responses to nothing (StreamJsonRpc would disconnect on them).
/// </summary>
public sealed class LspOutputGuard(Stream inner) : Stream
{
    private static readonly byte[] HeaderName = "Content-Length: "u8.ToArray();
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly ArrayBufferWriter<byte> _pending = new();
    private readonly HashSet<string> _outstanding = new(StringComparer.Ordinal);
    private bool _broken;

    /// <summary>Raised (once) when writing to the real output fails: the client has gone.</summary>
    public event Action<Exception>? Broken;

    /// <summary>True (and forgotten) if <paramref name="id"/> is the id of a request this server sent and has no answer to yet.</summary>
    public bool TryCompleteOutgoing(string id)
    {
        lock (_outstanding) return _outstanding.Remove(id);
    }

    /// <summary>Sends one message (a UTF-8 JSON body) that bypasses StreamJsonRpc.</summary>
    public async Task WriteMessageAsync(byte[] body, CancellationToken ct = default)
    {
        await _lock.WaitAsync(ct).ConfigureAwait(false);
        try { await WriteFrameAsync(body, ct).ConfigureAwait(false); }
        finally { _lock.Release(); }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        lock (_pending) _pending.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override async Task FlushAsync(CancellationToken ct)
    {
        await _lock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            List<byte[]> frames = TakeCompleteFrames();
            foreach (var body in frames)
            {
                NoteOutgoingRequest(body);
                await WriteFrameAsync(body, ct).ConfigureAwait(false);
            }
        }
        finally { _lock.Release(); }
    }

    private List<byte[]> TakeCompleteFrames()
    {
        var frames = new List<byte[]>();
        lock (_pending)
        {
            var data = _pending.WrittenSpan;
            int pos = 0;
            while (true)
            {
                var rest = data[pos..];
                int end = rest.IndexOf(HeaderEnd);
                if (end < 0) break;
                int len = ParseContentLength(rest[..end]);
                int bodyStart = end + HeaderEnd.Length;
                if (rest.Length - bodyStart < len) break;
                frames.Add(rest.Slice(bodyStart, len).ToArray());
                pos += bodyStart + len;
            }
            if (pos > 0)
            {
                var left = data[pos..].ToArray();
                _pending.Clear();
                _pending.Write(left);
            }
        }
        return frames;
    }

    private static int ParseContentLength(ReadOnlySpan<byte> headers)
    {
        foreach (var range in headers.Split("\r\n"u8))
        {
            var line = headers[range];
            if (line.Length > HeaderName.Length && line[..HeaderName.Length].SequenceEqual(HeaderName)
                && Utf8Parser.TryParse(line[HeaderName.Length..], out int n, out _)) return n;
        }
        throw new InvalidDataException("outgoing message without Content-Length: " + Encoding.ASCII.GetString(headers));
    }

    private void NoteOutgoingRequest(byte[] body)
    {
        // A request has both "method" and "id" at the top level.
        var r = new Utf8JsonReader(body);
        string? id = null;
        bool method = false;
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("method")) { method = true; r.Skip(); }
            else if (r.ValueTextEquals("id")) { r.Read(); id = IdKey(ref r); }
            else { r.Read(); r.Skip(); }
        }
        if (method && id != null) lock (_outstanding) _outstanding.Add(id);
    }

    /// <summary>A canonical key for a JSON-RPC id at the reader (positioned on the value); null for other tokens.</summary>
    public static string? IdKey(ref Utf8JsonReader r) => r.TokenType switch
    {
        JsonTokenType.Number when r.TryGetInt64(out long n) => "n:" + n,
        JsonTokenType.Number => "n:" + r.GetDouble().ToString(System.Globalization.CultureInfo.InvariantCulture),
        JsonTokenType.String => "s:" + r.GetString(),
        _ => null,
    };

    private async Task WriteFrameAsync(byte[] body, CancellationToken ct)
    {
        if (_broken) return;
        try
        {
            var header = Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n");
            var frame = new byte[header.Length + body.Length];
            header.CopyTo(frame, 0);
            body.CopyTo(frame, header.Length);
            await inner.WriteAsync(frame, ct).ConfigureAwait(false);
            await inner.FlushAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            _broken = true;
            Broken?.Invoke(e);
        }
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
