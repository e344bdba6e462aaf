using System.Text.Json;
using CompletionLsp.Server.Protocol;

namespace CompletionLsp.Server.Handlers;

/// <summary>
/// textDocument/didChange: applies the content changes in order, each against the text the previous one left.
/// A change with a range is an incremental edit (UTF-16 positions; past the end of a line or the file they clamp),
/// one without a range replaces the whole text.
/// The params are read field by field, not as one typed record: a wrong type where it does not matter (a null
/// <c>version</c>, a string <c>rangeLength</c>) must not drop the edit, which would leave the server's text stale for
/// good. A change whose text or range is unusable cannot be applied: the document is then marked out of step (no
/// completions, never from the stale text), the user is told once, and a whole-text change or a re-open mends it.
/// </summary>
public sealed class DidChangeHandler : NotificationHandler<JsonElement>
{
    public override string Method => Methods.DidChange;

    public override Task HandleAsync(JsonElement p, ServerContext ctx, CancellationToken ct)
    {
        if (p.ValueKind != JsonValueKind.Object || !p.TryGetProperty("textDocument", out var td) || td.ValueKind != JsonValueKind.Object
            || !td.TryGetProperty("uri", out var u) || u.ValueKind != JsonValueKind.String)
        {
            ctx.Log.Warn("didChange without a textDocument.uri; ignored");
            return Task.CompletedTask;
        }
        string uri = u.GetString()!;
        var engine = ctx.Engine;
        if (!engine.IsOpen(uri))
        {
            ctx.Log.Warn($"didChange of a document that is not open: {uri}; ignored");
            return Task.CompletedTask;
        }
        int version = td.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int vi)
            ? vi : engine.GetVersion(uri);
        string? before = engine.UnusableReason(uri);
        if (!p.TryGetProperty("contentChanges", out var changes) || changes.ValueKind != JsonValueKind.Array)
            Desync(ctx, uri, before, "its contentChanges are missing or not an array");
        else
        {
            int k = 0;
            foreach (var change in changes.EnumerateArray())
            {
                if (!TryRead(change, out var text, out var range, out string? problem))
                {
                    Desync(ctx, uri, before, $"content change {k} {problem}");
                    break;
                }
                if (range == null) engine.SetText(uri, text, version);
                else
                {
                    var (start, end) = engine.ToOffsets(uri, range);
                    engine.Change(uri, start, end - start, text, version);
                }
                k++;
            }
        }
        string? after = engine.UnusableReason(uri);
        if (after != null && after != before) ctx.ShowMessage(MessageType.Warning, $"CompletionLsp: no completions for {uri}: {after}");
        else if (before != null && after == null) ctx.Log.Info($"{uri} is in step again: completions are back");
        return Task.CompletedTask;
    }

    private static void Desync(ServerContext ctx, string uri, string? before, string problem)
    {
        ctx.Log.Warn($"didChange of {uri}: {problem}; the document is out of step with the editor");
        if (before == null)
            ctx.Engine.MarkUnusable(uri, $"an edit could not be applied ({problem}), so the server's copy is out of step; reopen the file to get completions again");
    }

    /// <summary>A change's text and optional range, or what is wrong with them.</summary>
    private static bool TryRead(JsonElement change, out string text, out Protocol.Range? range, out string? problem)
    {
        text = "";
        range = null;
        problem = null;
        if (change.ValueKind != JsonValueKind.Object) { problem = "is not an object"; return false; }
        if (!change.TryGetProperty("text", out var t) || t.ValueKind != JsonValueKind.String) { problem = "has no text string"; return false; }
        text = ReadString(t);
        if (!change.TryGetProperty("range", out var r) || r.ValueKind == JsonValueKind.Null) return true; // the whole text
        if (r.ValueKind != JsonValueKind.Object || !TryPosition(r, "start", out var s) || !TryPosition(r, "end", out var e))
        {
            problem = "has a range that is not {start, end} with integer line and character";
            return false;
        }
        range = new Protocol.Range(s, e);
        return true;
    }

    private static bool TryPosition(JsonElement range, string name, out Position pos)
    {
        pos = new Position();
        if (!range.TryGetProperty(name, out var p) || p.ValueKind != JsonValueKind.Object) return false;
        if (!p.TryGetProperty("line", out var l) || l.ValueKind != JsonValueKind.Number || !l.TryGetInt32(out int line)) return false;
        if (!p.TryGetProperty("character", out var c) || c.ValueKind != JsonValueKind.Number || !c.TryGetInt32(out int ch)) return false;
        pos = new Position(line, ch);
        return true;
    }

    /// <summary>The string's value; a lone surrogate escape ("\ud800", which .NET will not read) becomes U+FFFD, one
    /// UTF-16 unit like the original, so every later position stays where the editor has it.</summary>
    private static string ReadString(JsonElement s)
    {
        try { return s.GetString()!; }
        catch (InvalidOperationException)
        {
            using var doc = JsonDocument.Parse(Params.ReplaceLoneSurrogateEscapes(s.GetRawText()));
            return doc.RootElement.GetString()!;
        }
    }
}
