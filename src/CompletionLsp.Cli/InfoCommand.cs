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
        using (var r = ModelFile.Open(path))
            if (Core.Training.CountShard.IsShard(r))
            {
                var si = Core.Training.CountShard.ReadInfo(r);
                Console.WriteLine($"count shard  {Path.GetFullPath(path)} ({new FileInfo(path).Length / 1024.0 / 1024.0:F1} MiB): `completion-lsp merge` makes a model of shards");
                Console.WriteLine($"counted      {si.CreatedUtc:u} by {si.Tool} {si.ToolVersion}");
                Console.WriteLine($"source       {string.Join(", ", si.SourceRoots)} ({si.Files} files{(si.AllFiles ? ", all files" : ", test split left out")}, {si.SkippedFiles} skipped)");
                Console.WriteLine($"tokens       {si.Tokens:N0}");
                Console.WriteLine($"records      {si.Records:N0} distinct n-gram records, order {si.Order}");
                return 0;
            }
        var b = ModelBundle.Load(path);
        var d = b.Describe(path);
        Console.WriteLine($"model        {d.Path} ({(d.FileBytes ?? 0) / 1024.0 / 1024.0:F1} MiB, format v{d.FormatVersion})");
        Console.WriteLine($"trained      {d.CreatedUtc:u} by {d.Tool} {d.ToolVersion} in {d.TrainSeconds:F1} s");
        Console.WriteLine($"source       {d.SourceRoot} ({d.Files} files{(d.AllFiles ? ", all files" : ", test split left out")}, {d.SkippedFiles} skipped)");
        Console.WriteLine($"tokens       {d.Tokens:N0}");
        Console.WriteLine($"vocabulary   {d.Vocabulary:N0} (min count {d.MinCount})");
        Console.WriteLine($"n-gram       order {d.Order}, {d.SmoothingText}");
        Console.WriteLine($"n-grams      {string.Join(" / ", d.NGrams.Select(n => n.ToString("N0")))}");
        if (d.Discounts is { } kn)
            Console.WriteLine($"discounts    {string.Join("  ", kn.Select((x, i) => $"{i + 1}: {string.Join("/", x.Select(v => v.ToString("F2")))}"))}");
        Console.WriteLine($"cache        document beta {Fmt(d.DocumentBeta)}; recent files beta {Fmt(d.RecentBeta)}");
        Console.WriteLine($"spacing      {d.SpacingPairs:N0} token pairs");
        Console.WriteLine($"models       {string.Join(", ", d.Models)}");
        if (d.MixtureWeights.Count > 0) Console.WriteLine($"mixture      {string.Join(", ", d.MixtureWeights.Select(kv => $"{kv.Key} {kv.Value:F3}"))}");
        foreach (var line in NeuralHook.Describe(b, path)) Console.WriteLine(line);
        if (d.Sections.Count > 0) Console.WriteLine($"sections     {string.Join(", ", d.Sections.Select(s => $"{s.Tag} ({s.Bytes / 1024} KiB)"))}");
        return 0;
    }

    private static string Fmt(IEnumerable<double> b) => string.Join("/", b.Select(x => double.IsPositiveInfinity(x) ? "off" : x.ToString("0.#")));
}
