using CompletionLsp.Core.Models;
using System.Globalization;
using System.Text.Json;
using CompletionLsp.Core.Engine;

namespace CompletionLsp.Server;

/// <summary>
/// Settings under "completionLsp", from initializationOptions and workspace/didChangeConfiguration. Parsing is lenient:
/// a setting of the wrong type or an unknown model name is reported and the rest still applies.
/// </summary>
public sealed record ServerSettings
{
    public const string Section = "completionLsp";
    /// <summary>Names accepted in <see cref="Models"/>: "cache" is the document cache and the recent files cache together.</summary>
    /// Neural model names are accepted: the model file decides which exist (the server mixes those it has).
    public static readonly string[] KnownModels = ["ngram", "cache", "documentCache", "recentFilesCache", "ffnn", "rnn", "lstm", "gru", "bilstm"];

    public string? ModelPath { get; init; }
    /// <summary>Every model the file has, by default: the n-gram, the caches and any neural networks (their mixture).</summary>
    public string[] Models { get; init; } = ["ngram", "cache", "ffnn", "rnn", "lstm", "gru", "bilstm"];
    public int MaxItems { get; init; } = new EngineOptions().MaxItems;
    public bool Enable { get; init; } = true;
    public bool InlineEnable { get; init; } = true;
    public double InlineMinProbability { get; init; } = new LineOptions().MinProbability;
    /// <summary>Where neural models run: auto, cpu or cuda (used by neural models only; auto defers to COMPLETION_LSP_DEVICE).</summary>
    public string Device { get; init; } = "auto";
    /// <summary>False in an editor's restricted mode: nothing in the workspace is loaded but the documents' text.</summary>
    public bool WorkspaceTrusted { get; init; } = true;
    /// <summary>Roslyn as the semantic oracle: only legal names in the list (completionLsp.semantic.enable).</summary>
    public bool SemanticEnable { get; init; } = true;

    /// <summary>The "completionLsp" object inside <paramref name="settings"/>, or the object itself when it holds our keys directly.</summary>
    public static JsonElement? FindSection(JsonElement? settings)
    {
        if (settings is not { ValueKind: JsonValueKind.Object } s) return null;
        if (s.TryGetProperty(Section, out var inner)) return inner.ValueKind == JsonValueKind.Object ? inner : null;
        foreach (var p in s.EnumerateObject())
            if (p.Name is "modelPath" or "models" or "maxItems" or "enable" or "inline" or "device" or "workspaceTrusted" or "semantic") return s;
        return null;
    }

    /// <summary>These settings with the values present in <paramref name="section"/> replaced.</summary>
    public ServerSettings With(JsonElement section, List<string> problems)
    {
        var s = this;
        foreach (var p in section.EnumerateObject())
        {
            var v = p.Value;
            switch (p.Name)
            {
                case "modelPath":
                    if (v.ValueKind == JsonValueKind.String) s = s with { ModelPath = string.IsNullOrWhiteSpace(v.GetString()) ? null : v.GetString() };
                    else if (v.ValueKind == JsonValueKind.Null) s = s with { ModelPath = null };
                    else problems.Add("completionLsp.modelPath should be a string");
                    break;
                case "models":
                    if (v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String))
                    {
                        var names = v.EnumerateArray().Select(e => e.GetString()!).ToArray();
                        foreach (var n in names.Where(n => !KnownModels.Contains(n)))
                            problems.Add($"completionLsp.models: unknown model '{n}' (known: {string.Join(", ", KnownModels)})");
                        s = s with { Models = names.Where(KnownModels.Contains).ToArray() };
                    }
                    else problems.Add("completionLsp.models should be a list of names");
                    break;
                case "maxItems":
                    if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int max) && max >= 1 && max <= 1000) s = s with { MaxItems = max };
                    else problems.Add($"completionLsp.maxItems should be a whole number in 1..1000, not {v.GetRawText()}");
                    break;
                case "enable":
                    if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) s = s with { Enable = v.GetBoolean() };
                    else problems.Add("completionLsp.enable should be true or false");
                    break;
                case "inline":
                    if (v.ValueKind == JsonValueKind.Object) s = s.WithInline(v, problems);
                    else problems.Add("completionLsp.inline should be an object");
                    break;
                case "inline.enable":
                case "inline.minProbability":
                    s = s.WithInline(JsonDocument.Parse($"{{\"{p.Name[7..]}\":{v.GetRawText()}}}").RootElement, problems);
                    break;
                case "device":
                    if (v.ValueKind == JsonValueKind.String && v.GetString() is "auto" or "cpu" or "cuda") s = s with { Device = v.GetString()! };
                    else problems.Add($"completionLsp.device should be auto, cpu or cuda, not {v.GetRawText()}");
                    break;
                case "semantic":
                    if (v.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var q in v.EnumerateObject())
                        {
                            if (q.Name == "enable" && q.Value.ValueKind is JsonValueKind.True or JsonValueKind.False) s = s with { SemanticEnable = q.Value.GetBoolean() };
                            else if (q.Name == "enable") problems.Add("completionLsp.semantic.enable should be true or false");
                            else problems.Add($"unknown setting completionLsp.semantic.{q.Name}");
                        }
                    }
                    else problems.Add("completionLsp.semantic should be an object");
                    break;
                case "semantic.enable":
                    if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) s = s with { SemanticEnable = v.GetBoolean() };
                    else problems.Add("completionLsp.semantic.enable should be true or false");
                    break;
                case "workspaceTrusted":
                    if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) s = s with { WorkspaceTrusted = v.GetBoolean() };
                    else problems.Add("completionLsp.workspaceTrusted should be true or false");
                    break;
                default:
                    problems.Add($"unknown setting completionLsp.{p.Name}");
                    break;
            }
        }
        return s;
    }

    private ServerSettings WithInline(JsonElement v, List<string> problems)
    {
        var s = this;
        foreach (var p in v.EnumerateObject())
        {
            if (p.Name == "enable")
            {
                if (p.Value.ValueKind is JsonValueKind.True or JsonValueKind.False) s = s with { InlineEnable = p.Value.GetBoolean() };
                else problems.Add("completionLsp.inline.enable should be true or false");
            }
            else if (p.Name == "minProbability")
            {
                if (p.Value.ValueKind == JsonValueKind.Number && p.Value.GetDouble() is >= 0 and <= 1) s = s with { InlineMinProbability = p.Value.GetDouble() };
                else problems.Add($"completionLsp.inline.minProbability should be a number in 0..1, not {p.Value.GetRawText()}");
            }
            else problems.Add($"unknown setting completionLsp.inline.{p.Name}");
        }
        return s;
    }

    public bool UsesModel(string name) => Models.Contains(name);

    /// <summary>The static models and the device these settings choose (the caches are engine options, not part of it).</summary>
    public ModelChoice ToModelChoice() => new(Device, Models.Where(n => n is not ("cache" or "documentCache" or "recentFilesCache")).ToArray());

    /// <summary>The engine options these settings ask for.</summary>
    public EngineOptions ApplyTo(EngineOptions options) => options with
    {
        MaxItems = MaxItems,
        UseDocumentCache = UsesModel("cache") || UsesModel("documentCache"),
        UseRecentFilesCache = UsesModel("cache") || UsesModel("recentFilesCache"),
        UseSemantic = SemanticEnable,
        Line = options.Line with { MinProbability = InlineMinProbability },
    };

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"enable={Enable}, models=[{string.Join(",", Models)}], maxItems={MaxItems}, inline.enable={InlineEnable}, inline.minProbability={InlineMinProbability}, device={Device}, semantic.enable={SemanticEnable}, workspaceTrusted={WorkspaceTrusted}, modelPath={ModelPath ?? "(default)"}");
}
