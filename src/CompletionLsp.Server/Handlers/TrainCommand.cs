using System.Diagnostics;
using System.Text.Json;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Training;
using CompletionLsp.Server.Protocol;

namespace CompletionLsp.Server.Handlers;

/// <summary>
/// completionLsp.train: trains on a folder in the background, saves the model where the server looks for it, and
/// loads it. Progress goes out as $/progress (begin, report, end) on the client's workDoneToken or on one created
/// with window/workDoneProgress/create. Cancelled by $/cancelRequest of the command, window/workDoneProgress/cancel,
/// or shutdown. Completions keep running on the old model meanwhile.
/// </summary>
public static class TrainCommand
{
    public static async Task<TrainResult> RunAsync(ServerContext ctx, string root, JsonElement? workDoneToken, CancellationToken ct)
    {
        if (ctx.Models.IsTraining) throw LspException.RequestFailed("a model is already being trained");
        if (!ctx.Settings.WorkspaceTrusted) throw LspException.RequestFailed("training is disabled in an untrusted workspace (restricted mode)");
        string outPath = ctx.Models.Path ?? ctx.ResolveModelPath() ?? Path.Combine(root, ".completion-lsp", "model");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var token = await ctx.ProgressTokenAsync(workDoneToken, ct).ConfigureAwait(false);
        if (token is { } t) ctx.RegisterProgress(t, cts);
        void Progress(object value) { if (token is { } tk) ctx.Notify(Methods.Progress, new ProgressParams { Token = tk, Value = value }); }

        Progress(new WorkDoneProgressBegin { Title = "Training completion model", Cancellable = true, Message = root, Percentage = 0 });
        var last = Stopwatch.StartNew();
        var reporter = new InlineProgress<TrainProgress>(p =>
        {
            bool force = p.Stage is TrainStage.Counting or TrainStage.Done;
            lock (last)
            {
                if (!force && last.ElapsedMilliseconds < 250) return;
                last.Restart();
            }
            // Training done, the model is saved next.
            string message = p.Stage == TrainStage.Done ? "saving" : TrainStages.Describe(p);
            int pct = p.Stage switch
            {
                TrainStage.Walking => 0,
                TrainStage.Tokenizing => p.FilesTotal == 0 ? 0 : 5 + 60 * p.FilesDone / p.FilesTotal,
                TrainStage.Counting => 70,
                TrainStage.Tuning => 85,
                _ => 95,
            };
            Progress(new WorkDoneProgressReport { Message = message, Percentage = pct, Cancellable = true });
        });
        try
        {
            var result = await ctx.Models.TrainAsync(root, outPath, reporter, cts.Token).ConfigureAwait(false);
            Progress(new WorkDoneProgressEnd { Message = $"{result.Files} files, {result.Tokens:N0} tokens in {result.Seconds:F1} s" });
            return result;
        }
        catch (InvalidOperationException e)
        {
            Progress(new WorkDoneProgressEnd { Message = e.Message });
            throw LspException.RequestFailed(e.Message);
        }
        catch (OperationCanceledException)
        {
            Progress(new WorkDoneProgressEnd { Message = "cancelled" });
            throw;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Progress(new WorkDoneProgressEnd { Message = "failed: " + e.Message });
            throw LspException.RequestFailed($"training failed: {e.Message}");
        }
        finally
        {
            if (token is { } tk) ctx.UnregisterProgress(tk);
        }
    }
}
