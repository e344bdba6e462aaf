using CompletionLsp.Cli;
using CompletionLsp.TestSupport;

namespace CompletionLsp.Tests;

/// <summary>The README's CLI reference is the parser's own help, and `--help` of the real process prints that help.</summary>
public class CliReferenceTests
{
    [Fact]
    public void The_readme_reference_is_generated_from_the_parser()
    {
        var readme = File.ReadAllText(Path.Combine(Repo.Root, "README.md"));
        int b = readme.IndexOf(CliReference.Begin, StringComparison.Ordinal);
        int e = readme.IndexOf(CliReference.End, StringComparison.Ordinal);
        Assert.True(b >= 0 && e > b, "README.md has no generated CLI reference section");
        var inReadme = readme[b..(e + CliReference.End.Length)].Replace("\r\n", "\n");
        Assert.True(inReadme == CliReference.Markdown(),
            "README.md's CLI reference is out of date: run `completion-lsp cli-reference --update README.md`");
    }

    [Theory]
    [InlineData("")]
    [InlineData("train")]
    [InlineData("eval")]
    [InlineData("complete")]
    [InlineData("info")]
    [InlineData("dump-tokens")]
    [InlineData("serve")]
    [InlineData("demo")]
    public void Help_of_the_process_is_the_reference(string command)
    {
        var r = command == "" ? CliRunner.Run("--help") : CliRunner.Run(command, "--help");
        Assert.True(r.ExitCode == 0, r.ToString());
        var printed = string.Join("\n", r.Stdout.Replace("\r\n", "\n").TrimEnd().Split('\n').Select(l => l.TrimEnd())) + "\n";
        Assert.Equal(command == "" ? CliReference.Help() : CliReference.Help(command), printed);
        Assert.Contains($"#### `completion-lsp{(command == "" ? "" : " " + command)} --help`", CliReference.Markdown());
    }

    [Fact]
    public void Every_option_in_the_reference_is_one_the_parser_accepts()
    {
        // Each subcommand's options, by name, appear in its help; an unknown one is a usage error that names it.
        foreach (var c in Cli.Cli.Build().Subcommands.Where(c => !c.Hidden))
        {
            var help = CliReference.Help(c.Name);
            foreach (var o in c.Options.Where(o => !o.Hidden))
                Assert.Contains(o.Name, help);
        }
        var r = CliRunner.Run("dump-tokens", Repo.Root, "--no-such-option");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown option '--no-such-option'", r.Stderr);
    }
}
