using System.Text;

namespace ServiceTesting;

/// <summary>
/// What a child process (a service, dnsmasq, Prometheus) printed, kept for failure messages. Lines
/// arrive on the process's reader threads; past the bound they are dropped, so a chatty process
/// cannot fill the test's memory.
/// </summary>
public sealed class OutputLog(int maxChars)
{
    private readonly StringBuilder _text = new(); // guarded by itself

    /// <summary>Adds one line; null (the end of a stream) is ignored.</summary>
    public void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_text)
        {
            if (_text.Length < maxChars)
            {
                _text.AppendLine(line);
            }
        }
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        lock (_text)
        {
            return _text.ToString();
        }
    }
}
