using Spectre.Console;

namespace CompletionLsp.Cli;

/// <summary>Tables on stdout with Spectre.Console. Text columns are left-aligned, figures right-aligned. When stdout
/// is not a terminal, lines are not wrapped (logs and tests read whole rows) and no colour is written.</summary>
public static class Tables
{
    public static void Write(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, int textColumns = 1)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Out),
            ColorSystem = Console.IsOutputRedirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        });
        if (Console.IsOutputRedirected) console.Profile.Width = 240;
        var table = new Table().Border(TableBorder.Simple);
        for (int i = 0; i < headers.Count; i++)
            table.AddColumn(new TableColumn(Markup.Escape(headers[i])) { Alignment = i < textColumns ? Justify.Left : Justify.Right, NoWrap = true });
        foreach (var row in rows) table.AddRow(row.Select(c => new Text(c)).ToArray<Spectre.Console.Rendering.IRenderable>());
        console.Write(table);
    }
}
