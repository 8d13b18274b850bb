namespace SourceApp.Tests.Support;

/// <summary>A fresh folder under the system temp folder, deleted (with what is in it) on Dispose.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = Directory.CreateTempSubdirectory("sourceapp-tests-").FullName;
    }

    public string Path { get; }

    /// <summary>A path inside the folder (its parent folders are not created).</summary>
    public string File(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A child process may still be releasing the file; the OS cleans temp eventually.
        }
    }
}
