using System.Diagnostics;

namespace CompletionLsp.Cli;

/// <summary>A progress bar on stderr: redrawn in place on a terminal, a line every few seconds otherwise; nothing
/// when quiet (`train --quiet`).</summary>
public sealed class ConsoleProgress(bool quiet = false)
{
    private readonly bool _tty = !Console.IsErrorRedirected;
    private readonly Stopwatch _last = Stopwatch.StartNew();
    private readonly object _lock = new();
    private string _lastStage = "";
    private bool _open;

    public void Report(string stage, long done, long total, string extra, TimeSpan elapsed, bool force = false)
    {
        if (quiet) return;
        lock (_lock)
        {
            bool stageChanged = stage != _lastStage;
            if (!force && !stageChanged && _last.ElapsedMilliseconds < (_tty ? 100 : 2000)) return;
            _last.Restart();
            if (stageChanged && _open && _tty) Console.Error.WriteLine();
            _lastStage = stage;
            string bar = "";
            string eta = "";
            if (total > 0)
            {
                double frac = Math.Clamp((double)done / total, 0, 1);
                int width = 28, fill = (int)(frac * width);
                bar = $"[{new string('#', fill)}{new string('.', width - fill)}] {done}/{total} ";
                if (frac > 0.02 && frac < 1) eta = $" ETA {TimeSpan.FromSeconds(elapsed.TotalSeconds * (1 - frac) / frac):mm\\:ss}";
            }
            string line = $"{stage,-11} {bar}{extra}{eta}";
            if (_tty) { Console.Error.Write("\r" + line.PadRight(Math.Max(0, Console.WindowWidth > 0 ? Math.Min(Console.WindowWidth - 1, 110) : 100))); _open = true; }
            else Console.Error.WriteLine(line);
        }
    }

    public void Done()
    {
        lock (_lock) { if (_open && _tty) Console.Error.WriteLine(); _open = false; }
    }
}
