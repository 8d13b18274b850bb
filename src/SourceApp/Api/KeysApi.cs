using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using ServiceCommon;
using SourceApp.Storage;

namespace SourceApp.Api;

/// <summary>
/// <c>GET /api/keys?limit=&amp;after=&amp;prefix=</c>: keys in order (UTF-8 byte order), one page at a time.
/// The answer's <c>next</c> is an opaque cursor (base64url of the page's last key) to pass as
/// <c>after</c>; it is null on the last page. Each page is one index range scan, so paging a table of
/// millions of keys costs the same per page at the start as at the end.
/// </summary>
public static class KeysApi
{
    public const int DefaultLimit = 1000;
    public const int MaxLimit = 10_000;

    public static IEndpointRouteBuilder MapKeysApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/keys", ListAsync);
        return endpoints;
    }

    private static async Task<Results<JsonHttpResult<KeysBody>, JsonHttpResult<ErrorBody>>> ListAsync(
        HttpContext context, IRecordStore store)
    {
        var query = context.Request.Query;

        var limit = DefaultLimit;
        if (query.TryGetValue("limit", out var limitText))
        {
            // Larger asks get the largest page, as documented; digits that int cannot hold are one of
            // them, not a malformed number. Anything but digits (a sign, a point, nothing) is malformed.
            var text = limitText.ToString();
            var isNumber = text.Length > 0 && !text.AsSpan().ContainsAnyExceptInRange('0', '9');
            limit = !isNumber ? 0
                : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var asked) ? Math.Min(asked, MaxLimit)
                : MaxLimit;
            if (limit < 1)
            {
                return ApiResults.Error(StatusCodes.Status400BadRequest, $"limit must be a whole number of at least 1 (a page holds at most {MaxLimit} keys)");
            }
        }

        var prefix = query.TryGetValue("prefix", out var prefixText) ? prefixText.ToString() : "";
        if (prefix.Length > 0 && !DataKey.IsValidPrefix(prefix))
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, $"prefix must be at most {DataKey.MaxBytes} bytes of UTF-8");
        }

        string? after = null;
        if (query.TryGetValue("after", out var afterText) && afterText.ToString().Length > 0)
        {
            after = DecodeCursor(afterText.ToString());
            if (after is null)
            {
                return ApiResults.Error(StatusCodes.Status400BadRequest, "after must be a cursor from a previous page's \"next\"");
            }
        }

        var page = await store.ListKeysAsync(prefix, after, limit, context.RequestAborted);
        var next = page.HasMore ? EncodeCursor(page.Keys[^1]) : null;
        return TypedResults.Json(new KeysBody(page.Keys, next), SourceJson.Context.KeysBody);
    }

    /// <summary>A cursor is the base64url (no padding) of a key's UTF-8 bytes: safe in a query string as is.</summary>
    public static string EncodeCursor(string key) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(key));

    /// <summary>The key in a cursor, or null when it is not one.</summary>
    public static string? DecodeCursor(string cursor)
    {
        if (cursor.Length > 400 || !Base64Url.IsValid(cursor))
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[300];
        if (!Base64Url.TryDecodeFromChars(cursor, bytes, out var written) || written == 0 || written > DataKey.MaxBytes
            || !System.Text.Unicode.Utf8.IsValid(bytes[..written]))
        {
            return null;
        }

        return Encoding.UTF8.GetString(bytes[..written]);
    }
}
