using System.Text.Json;
using CompletionLsp.Server.Protocol;

namespace CompletionLsp.Server.Handlers;

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
