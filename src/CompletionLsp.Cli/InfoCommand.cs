using System.CommandLine;
using CompletionLsp.Core.Models;

namespace CompletionLsp.Cli;

public static class InfoCommand
{
    private static readonly Argument<string> Model = Opt.Arg("model", "The model file.");

    public static Command Build()
    {
        var c = new Command("info", "Describe a model file: how it was trained, its sizes, smoothing, cache and neural parts.") { Model };
        c.SetAction(Run);
        return c;
    }

    public static int Run(ParseResult a)
    {
        var path = a.GetValue(Model)!;
        var b = ModelBundle.Load(path);
        var c = b.NGram.Counts;
        Console.WriteLine($"model        {Path.GetFullPath(path)} ({new FileInfo(path).Length / 1024.0 / 1024.0:F1} MiB, format v{ModelFile.Version})");
        Console.WriteLine($"trained      {b.Info.CreatedUtc:u} by {b.Info.Tool} {b.Info.ToolVersion} in {b.Info.Seconds:F1} s");
        Console.WriteLine($"source       {b.Info.SourceRoot} ({b.Info.Files} files{(b.Info.AllFiles ? ", all files" : ", test split left out")}, {b.Info.SkippedFiles} skipped)");
        Console.WriteLine($"tokens       {b.Info.Tokens:N0}");
        Console.WriteLine($"vocabulary   {b.Vocabulary.StaticCount:N0} (min count {b.Info.MinCount})");
        Console.WriteLine($"n-gram       order {c.Order}, {(b.NGram.Options.Smoothing == SmoothingKind.KneserNey ? "interpolated modified Kneser-Ney" : $"add-delta {b.NGram.Options.Delta}")}");
        Console.WriteLine($"n-grams      {string.Join(" / ", c.Words.Select(w => w.Length.ToString("N0")))}");
        if (b.NGram.KneserNeyTables is { } kn)
            Console.WriteLine($"discounts    {string.Join("  ", kn.Discounts.Select((d, i) => $"{i + 1}: {string.Join("/", d.Select(x => x.ToString("F2")))}"))}");
        Console.WriteLine($"cache        document beta {Fmt(b.Cache.DocumentBeta)}; recent files beta {Fmt(b.Cache.RecentBeta)}");
        Console.WriteLine($"spacing      {b.Spacing.PairCount:N0} token pairs");
        Console.WriteLine($"models       {string.Join(", ", b.Info.Models)}");
        if (b.MixtureWeights.Count > 0) Console.WriteLine($"mixture      {string.Join(", ", b.MixtureWeights.Select(kv => $"{kv.Key} {kv.Value:F3}"))}");
        foreach (var line in NeuralHook.Describe(b, path)) Console.WriteLine(line);
        if (b.ExtraSections.Count > 0) Console.WriteLine($"sections     {string.Join(", ", b.ExtraSections.Select(kv => $"{kv.Key} ({kv.Value.Length / 1024} KiB)"))}");
        return 0;
    }

    private static string Fmt(double[] b) => string.Join("/", b.Select(x => double.IsPositiveInfinity(x) ? "off" : x.ToString("0.#")));
}
