using System.Text.Json;
using CompletionLsp.Server.Protocol;
using StreamJsonRpc;

namespace CompletionLsp.Server.Handlers;

/// <summary>How a message is scheduled (see <see cref="RequestQueue"/>).</summary>
public enum HandlerKind
{
    /// <summary>Changes documents or settings: runs alone, after everything before it, before everything after it.</summary>
    Mutating,
    /// <summary>Reads documents: runs after the edits before it, concurrently with other queries.</summary>
    Query,
    /// <summary>Touches no document (lifecycle, commands): runs at once, outside the queue.</summary>
    Independent,
}

public interface ILspHandler
{
    string Method { get; }
    HandlerKind Kind { get; }
}

/// <summary>A request handler: converts from LSP, calls the engine, converts back.</summary>
public abstract class RequestHandler<TParams, TResult> : ILspHandler
{
    public abstract string Method { get; }
    public virtual HandlerKind Kind => HandlerKind.Query;

    /// <summary>Called in message order before the request is queued; returns the work to queue.</summary>
    public virtual Func<Task<TResult>> Prepare(TParams request, ServerContext context, CancellationToken ct) =>
        () => HandleAsync(request, context, ct);

    public abstract Task<TResult> HandleAsync(TParams request, ServerContext context, CancellationToken ct);

    /// <summary>When not null, a query superseded by a newer request of this method for the same document (sent before
    /// it got to run) answers this at once instead of running: its answer would be stale before it is read.</summary>
    public virtual TResult? SupersededResult => default;
}

/// <summary>A notification handler. Failures are logged; a notification has no answer.</summary>
public abstract class NotificationHandler<TParams> : ILspHandler
{
    public abstract string Method { get; }
    public virtual HandlerKind Kind => HandlerKind.Mutating;
    public abstract Task HandleAsync(TParams notification, ServerContext context, CancellationToken ct);
}

/// <summary>Parameters of a message that has none (or whose parameters are ignored).</summary>
public sealed record NoParams;

/// <summary>An error answer with an LSP error code.</summary>
public sealed class LspException(int code, string message) : Exception(message)
{
    public int Code { get; } = code;

    public static LspException InvalidParams(string message) => new(LspErrorCodes.InvalidParams, message);
    public static LspException RequestFailed(string message) => new(LspErrorCodes.RequestFailed, message);

    public LocalRpcException ToRpc() => new(Message) { ErrorCode = Code };
}

internal static class Params
{
    public static T Read<T>(JsonElement raw, string method)
    {
        if (typeof(T) == typeof(NoParams)) return (T)(object)new NoParams();
        if (raw.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
            throw LspException.InvalidParams($"{method}: params are missing");
        try
        {
            return raw.Deserialize<T>(LspJson.Options) ?? throw LspException.InvalidParams($"{method}: params are null");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // A lone surrogate ("\ud800"): JSON may carry one and an editor's UTF-16 text may hold one, but .NET
            // reads no such string from JSON. Dropping the edit would desynchronise the document for good; U+FFFD is
            // one UTF-16 unit like the surrogate, so every position stays where the editor has it.
            string rawText = raw.GetRawText(), repaired = ReplaceLoneSurrogateEscapes(rawText);
            if (repaired == rawText) throw LspException.InvalidParams($"{method}: bad params: {Describe(e)}");
            try
            {
                using var doc = JsonDocument.Parse(repaired);
                return doc.RootElement.Deserialize<T>(LspJson.Options) ?? throw LspException.InvalidParams($"{method}: params are null");
            }
            catch (Exception e2) when (e2 is JsonException or InvalidOperationException)
            {
                throw LspException.InvalidParams($"{method}: bad params: {Describe(e2)}");
            }
        }
    }

    /// <summary>A deserialization error in the words of the protocol: where in the params, and what was expected
    /// (System.Text.Json names the .NET type it wanted, which says nothing to a client author).</summary>
    internal static string Describe(Exception e)
    {
        string path = e is JsonException { Path: { Length: > 0 } p } ? p : "$";
        var m = System.Text.RegularExpressions.Regex.Match(e.Message, @"could not be converted to ([^ ]+?)\. Path");
        string expected = !m.Success ? "well-formed" : m.Groups[1].Value switch
        {
            "System.Int32" or "System.Int64" or "System.UInt32" or "System.Int16" or "System.Byte" => "an integer",
            "System.Double" or "System.Single" or "System.Decimal" => "a number",
            "System.String" => "a string",
            "System.Boolean" => "true or false",
            var t when t.StartsWith("System.Nullable`1[System.Int", StringComparison.Ordinal) => "an integer or null",
            var t when t.StartsWith("System.Nullable`1[System.Boolean", StringComparison.Ordinal) => "true, false or null",
            var t when t.EndsWith("[]", StringComparison.Ordinal) || t.StartsWith("System.Collections", StringComparison.Ordinal) => "an array",
            _ => "an object of the right shape",
        };
        if (e is JsonException && e.Message.Contains("missing required properties", StringComparison.Ordinal))
        {
            var req = System.Text.RegularExpressions.Regex.Match(e.Message, @"required properties including: (.+?)\.?( Path|$)");
            return $"{path} lacks required properties{(req.Success ? " (" + req.Groups[1].Value + ")" : "")}";
        }
        return $"{path} must be {expected}";
    }

    /// <summary>Replaces each \uXXXX escape of an unpaired UTF-16 surrogate in JSON text by \uFFFD.</summary>
    internal static string ReplaceLoneSurrogateEscapes(string json)
    {
        var sb = new System.Text.StringBuilder(json.Length);
        int i = 0;
        while (i < json.Length)
        {
            char c = json[i];
            if (c != '\\' || i + 1 >= json.Length) { sb.Append(c); i++; continue; }
            if (json[i + 1] != 'u' || !TryUnit(json, i, out char unit)) { sb.Append(json, i, 2); i += 2; continue; }
            if (char.IsHighSurrogate(unit) && TryUnit(json, i + 6, out char low) && char.IsLowSurrogate(low))
            {
                sb.Append(json, i, 12);
                i += 12;
                continue;
            }
            sb.Append(char.IsSurrogate(unit) ? "\\uFFFD" : json.Substring(i, 6));
            i += 6;
        }
        return sb.ToString();
    }

    private static bool TryUnit(string json, int at, out char unit)
    {
        unit = '\0';
        if (at + 6 > json.Length || json[at] != '\\' || json[at + 1] != 'u') return false;
        if (!ushort.TryParse(json.AsSpan(at + 2, 4), System.Globalization.NumberStyles.AllowHexSpecifier, null, out ushort v)) return false;
        unit = (char)v;
        return true;
    }
}
