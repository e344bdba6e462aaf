using System.Diagnostics;
using System.Text;
using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Training;

namespace CompletionLsp.Reliability.Tests;

/// <summary>Smaller hostile inputs: a huge junk model, FIFOs and devices among sources, UTF-16 sources, a folder to `complete`.</summary>
public sealed class HostileInputTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("junk")]
    [InlineData("header then junk")]
    [InlineData("header, end marker, lying section table")]
    public void A_huge_damaged_model_is_refused_from_its_header_without_being_read_whole(string what)
    {
        using var dir = new TempDir("huge-model");
        var path = dir.Combine("model");
        using (var fs = new FileStream(path, FileMode.CreateNew))
        {
            fs.SetLength(1536L << 20); // 1.5 GiB, sparse: no disk
            fs.Position = 0;
            if (what == "junk") fs.Write("PK\u0003\u0004 not a model"u8);
            else
            {
                fs.Write(ModelFile.Magic);
                fs.Write(BitConverter.GetBytes(ModelFile.Version));
                fs.Write(BitConverter.GetBytes(1u));
                fs.Write(BitConverter.GetBytes(3u));
                if (what.Contains("lying"))
                {
                    fs.Write("VOCA"u8); fs.Write(BitConverter.GetBytes(5UL << 30)); // 5 GiB: more than the file
                    fs.Position = fs.Length - 16;
                    fs.Write(ModelFile.EndMagic);
                }
            }
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        var e = Assert.Throws<ModelFormatException>(() => ModelFile.Read(path));
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        output.WriteLine($"{what}: {e.Problem} ({allocated / 1024} KiB allocated, {sw.ElapsedMilliseconds} ms)");
        Assert.True(allocated < 16 << 20, $"{allocated >> 20} MiB allocated: the file was read whole");
        Assert.Contains(what switch { "junk" => "not a CompletionLsp model file", "header then junk" => "truncated", _ => "corrupt" }, e.Problem);
    }

    [SkippableFact]
    public async Task Fifos_and_devices_among_the_sources_are_skipped_and_UTF16_sources_are_read()
    {
        Skip.If(OperatingSystem.IsWindows());
        using var dir = new TempDir("special-sources");
        dir.File("repo/Good.cs", "namespace Good;\npublic class Widget { public int Count; public void Add() { Count++; Count++; } }\n");
        var utf16 = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("class Utf16Widget { int utf16Counter; void M() { utf16Counter++; utf16Counter++; } }\n")).ToArray();
        dir.Bytes("repo/Wide.cs", utf16);
        var be = Encoding.BigEndianUnicode.GetPreamble().Concat(Encoding.BigEndianUnicode.GetBytes("class BigEndianWidget { int bigCounter; void M() { bigCounter++; bigCounter++; } }\n")).ToArray();
        dir.Bytes("repo/WideBE.cs", be);
        var mk = Process.Start("mkfifo", dir.Combine("repo", "Pipe.cs"))!;
        await mk.WaitForExitAsync();
        File.CreateSymbolicLink(dir.Combine("repo", "Zero.cs"), "/dev/zero");
        var skipped = new List<SkippedFile>();
        var bundle = await Task.Run(() => Trainer.Train(new TrainOptions { Root = dir.Combine("repo"), AllFiles = true, TuneCache = false, Skipped = skipped, MinCount = 1 }))
            .WaitAsync(TimeSpan.FromSeconds(60));
        foreach (var s in skipped) output.WriteLine($"skipped {s.Path}: {s.Reason}");
        Assert.Equal(3, bundle.Info.Files);
        Assert.Contains(skipped, s => s.Path == "Pipe.cs" && s.Reason.Contains("named pipe"));
        Assert.Contains(skipped, s => s.Path == "Zero.cs" && s.Reason.Contains("character device"));
        Assert.True(bundle.Vocabulary.TryGetId("utf16Counter", out _));
        Assert.True(bundle.Vocabulary.TryGetId("bigCounter", out _));
    }

    [Fact]
    public async Task Complete_on_a_folder_says_it_is_a_folder()
    {
        using var dir = new TempDir("complete-dir");
        var (code, _, stderr) = await Server.Cli("complete", dir.Path + ":1:1");
        output.WriteLine(stderr);
        Assert.Equal(1, code);
        Assert.Contains("a folder", stderr);
        Assert.DoesNotContain("Could not find file", stderr);
    }
}
