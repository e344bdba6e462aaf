using System.Diagnostics;
using Spectre.Console;

namespace CompletionLsp.Cli;

/// <summary>Training progress on stderr. On a terminal: Spectre.Console progress bars, one per stage, redrawn in place.
/// Otherwise (CI, logs, a pipe): a plain line per stage and every two seconds within one. Nothing when quiet
/// (`train --quiet`). Call <see cref="Run{T}"/> around the work, then <see cref="Report"/> from it.</summary>
public sealed class ConsoleProgress(bool quiet = false)
{
    private readonly bool _tty = !Console.IsErrorRedirected && !quiet;
    private readonly Stopwatch _last = Stopwatch.StartNew();
    private readonly object _lock = new();
    private string _lastStage = "";
    private ProgressContext? _context;
    private ProgressTask? _task;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, string> _extra = new();

    /// <summary>Runs <paramref name="work"/> with the live display open (on a terminal).</summary>
    public T Run<T>(Func<T> work)
    {
        if (!_tty) return work();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 24 }, new PercentageColumn(),
                     new RemainingTimeColumn(), new SpinnerColumn(), new ExtraColumn(_extra))
            .Start(ctx =>
            {
                _context = ctx;
                try { return work(); }
                finally { lock (_lock) { Finish(); _context = null; } }
            });
    }

    public void Report(string stage, long done, long total, string extra, TimeSpan elapsed, bool force = false)
    {
        if (quiet) return;
        lock (_lock)
        {
            bool stageChanged = stage != _lastStage;
            _lastStage = stage;
            if (_context is { } ctx)
            {
                if (stageChanged || _task == null)
                {
                    Finish();
                    _task = ctx.AddTask(Markup.Escape($"{stage,-11}"), maxValue: Math.Max(1, total));
                    _task.IsIndeterminate = total <= 0;
                }
                _extra[_task.Id] = extra;
                if (total > 0) { _task.MaxValue = total; _task.Value = Math.Clamp(done, 0, total); }
                return;
            }
            if (!force && !stageChanged && _last.ElapsedMilliseconds < 2000) return;
            _last.Restart();
            // The figures (e.g. "12/48 files") are the stage's own; only the time left is added.
            string eta = "";
            double frac = total > 0 ? Math.Clamp((double)done / total, 0, 1) : 0;
            if (frac > 0.02 && frac < 1) eta = $" ETA {TimeSpan.FromSeconds(elapsed.TotalSeconds * (1 - frac) / frac):mm\\:ss}";
            Console.Error.WriteLine($"{stage,-11} {extra}{eta}");
        }
    }

    /// <summary>The current stage is complete (the live display stays open for the next one).</summary>
    public void Done()
    {
        lock (_lock) Finish();
    }

    private void Finish()
    {
        if (_task == null) return;
        _task.IsIndeterminate = false;
        _task.Value = _task.MaxValue;
        _task.StopTask();
        _task = null;
    }
}

/// <summary>The stage's own figures (tokens/s, epoch and loss...), last in the row so that a narrow terminal cuts them, not the bar.</summary>
internal sealed class ExtraColumn(System.Collections.Concurrent.ConcurrentDictionary<int, string> extra) : ProgressColumn
{
    protected override bool NoWrap => true;

    public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        new Text(extra.GetValueOrDefault(task.Id, "")) { Overflow = Overflow.Ellipsis };
}
