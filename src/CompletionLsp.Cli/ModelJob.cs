using System.Diagnostics;
using System.Runtime.InteropServices;
using CompletionLsp.Core.Models;

namespace CompletionLsp.Cli;

/// <summary>What train, merge and import-counts share: a job that writes a model file (or a shard) and stops on Ctrl-C
/// (exit 130) or SIGTERM (exit 143, as a service manager stops it) with its temporary file deleted and the previous
/// file kept; and the summary of a model written from counts.</summary>
internal static class ModelJob
{
    /// <param name="kept">What the message on a stop says is left as it was.</param>
    /// <returns>0 when <paramref name="work"/> finished (its result in <paramref name="result"/>), else the exit code.</returns>
    public static int Run<T>(ConsoleProgress progress, Func<CancellationToken, T> work, out T result, string kept = "the previous model is unchanged")
    {
        result = default!;
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
        Console.CancelKeyPress += onCancel;
        bool terminated = false;
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            terminated = true;
            cts.Cancel();
        });
        EventHandler onExit = (_, _) => ModelFile.DeletePendingTemporaries();
        AppDomain.CurrentDomain.ProcessExit += onExit;
        try
        {
            result = progress.Run(() => work(cts.Token));
            return 0;
        }
        catch (OperationCanceledException) when (terminated)
        {
            Console.Error.WriteLine();
            Console.Error.WriteLine($"terminated (SIGTERM); {kept}");
            return 143;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine();
            Console.Error.WriteLine($"cancelled; {kept}");
            return 130;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            AppDomain.CurrentDomain.ProcessExit -= onExit;
        }
    }

    /// <summary>The summary of a model estimated from counts (merge, import-counts).</summary>
    public static void WriteSummary(ModelBundle b, string outPath, string from, Stopwatch sw)
    {
        var c = b.NGram.Counts;
        Console.WriteLine();
        Console.WriteLine($"  model        {outPath} ({new FileInfo(outPath).Length / 1024.0 / 1024.0:F1} MiB) from {from}");
        Console.WriteLine($"  source       {string.Join(", ", b.Info.SourceRoots)}");
        Console.WriteLine($"  files        {b.Info.Files}, {b.Info.SkippedFiles} skipped");
        Console.WriteLine($"  tokens       {b.Info.Tokens:N0}");
        Console.WriteLine($"  vocabulary   {b.Vocabulary.Count:N0} (min count {b.Info.MinCount})");
        Console.WriteLine($"  n-grams      {string.Join(" / ", c.Words.Select(w => w.Length.ToString("N0")))} (orders 1..{c.Order})");
        Console.WriteLine($"  time         {sw.Elapsed.TotalSeconds:F1} s, peak memory {Process.GetCurrentProcess().PeakWorkingSet64 / 1024 / 1024} MiB");
    }
}
