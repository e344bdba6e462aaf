using System.CommandLine;
using CompletionLsp.Core.Models;

namespace CompletionLsp.Cli;

/// <summary>The options of the commands that count n-grams or estimate a model from counts (train, merge,
/// import-counts, export-tokens), defined once.</summary>
internal static class CountingOptions
{
    public static readonly Option<string> Smoothing = Opt.Choice("--smoothing", "Interpolated modified Kneser-Ney, or add-delta with backoff.", "kn",
        ["kn", "add-delta", "kneser-ney", "modified-kneser-ney", "delta"], shown: 2);
    public static readonly Option<double> Delta = Opt.Double("--delta", 0.01, 1e-9, 1e6, "The delta of add-delta smoothing.", "D");
    public static readonly Option<int> MinCount = Opt.Int("--min-count", 2, 1, 1000, "Words seen fewer times (in all the files or shards) are <unk> (literals: their class token).");
    public static readonly Option<int> Memory = Opt.Int("--memory", 1024, 16, 1 << 20,
        "The counting buffers' budget in MiB; beyond it sorted runs spill to the temporary folder (the model itself comes on top).");
    public static readonly Option<string?> Temp = Opt.Text("--temp", "DIR", "Where temporary files go (the token store, spilled runs) [default: the output's folder: on disk, where /tmp may be memory].");
    public static readonly Option<bool> Quiet = Opt.Flag("--quiet", "No progress bars (the summary is still printed).");

    public static SmoothingKind SmoothingOf(ParseResult a) => a.GetValue(Smoothing) is "add-delta" or "delta" ? SmoothingKind.AddDelta : SmoothingKind.KneserNey;

    public static long MemoryBytes(ParseResult a) => (long)a.GetValue(Memory) << 20;

    /// <summary>--temp, else the folder the output goes to (resolved through links): disk beside the result, where the
    /// system's /tmp is often a tmpfs, that is memory.</summary>
    public static string TempFor(ParseResult a, string resolvedOutput) => a.GetValue(Temp) ?? Path.GetDirectoryName(resolvedOutput)!;
}
