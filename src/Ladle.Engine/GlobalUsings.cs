// The one SQL dialect (Ladle.Core.Sql.SqlDialect) is what every part of the engine quotes, casts and binds with.
global using Ladle.Core.Sql;
