using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Viatique.Api.Auth;

/// <summary>
/// The data-protection key ring in PostgreSQL's <c>data_protection_keys</c> table (the table EF
/// Core's repository uses, created by the migrations), read and written with one plain statement.
/// The ring is loaded before the server listens: through EF Core, that load built the whole
/// model first, most of a cold start (issue 11).
/// </summary>
public sealed class PostgresKeyRepository(NpgsqlDataSource database) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var select = database.CreateCommand("""SELECT "Xml" FROM data_protection_keys WHERE "Xml" IS NOT NULL ORDER BY "Id" """);
        using var reader = select.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var insert = database.CreateCommand("""INSERT INTO data_protection_keys ("FriendlyName", "Xml") VALUES ($1, $2)""");
        insert.Parameters.Add(new NpgsqlParameter { Value = friendlyName });
        insert.Parameters.Add(new NpgsqlParameter { Value = element.ToString(SaveOptions.DisableFormatting) });
        insert.ExecuteNonQuery();
    }
}
