using Ladle.Core.Errors;
using Ladle.Core.Semantic;

namespace Ladle.Core.Tests.Semantic;

public sealed class JoinPathTests
{
    [Fact]
    public void Two_join_paths_to_one_model_fail_to_compile_naming_both_paths_and_how_to_choose()
    {
        using var p = ModelProject.Create()
            .Write("models/orders.yaml", ModelProject.Orders).Write("models/customers.yaml", ModelProject.Customers)
            .Write("models/merchants.yaml", ModelProject.Merchants).Write("models/regions.yaml", ModelProject.Regions);
        var e = ModelProject.Fails(p);
        var error = Assert.Single(e.Diagnostics);
        Assert.Equal(new SourceLocation("models/orders.yaml", 1, 1), error.Location);
        Assert.Equal("model 'orders' reaches 'regions' by two join paths: orders -[customer]-> customers -[region]-> regions and orders -[merchant]-> merchants -[region]-> regions", error.Message);
        Assert.Contains("'- { to: regions, via: customer.region }'", error.Hint, StringComparison.Ordinal);
        Assert.Contains("name: merchant_region_regions", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Choosing_a_path_compiles_and_dimensions_follow_the_chosen_path()
    {
        using var p = ModelProject.Create()
            .Write("models/orders.yaml", ModelProject.Orders + "\njoins:\n  - { to: regions, via: merchant.region }\n")
            .Write("models/customers.yaml", ModelProject.Customers).Write("models/merchants.yaml", ModelProject.Merchants).Write("models/regions.yaml", ModelProject.Regions);
        var layer = ModelProject.Load(p).Semantic;
        var orders = layer.ReachOf(layer.FindModel("orders")!);
        var name = layer.Resolve(orders, "regions.name", out var error);
        Assert.Null(error);
        Assert.Equal("orders -[merchant]-> merchants -[region]-> regions", name!.Path.ToString());
        // The customers' own region still reaches its region directly: the choice is the orders model's.
        var customers = layer.ReachOf(layer.FindModel("customers")!);
        Assert.Equal("customers -[region]-> regions", layer.Resolve(customers, "regions.name", out _)!.Path.ToString());
    }

    [Fact]
    public void Role_playing_aliases_name_each_path_and_leave_the_plain_name_unresolved()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject);
        ModelProject.Dataset(p, "flights", "flight_id:integer", "origin_id:integer", "destination_id:integer", "seats:integer");
        ModelProject.Dataset(p, "airports", "airport_id:integer", "city:string");
        p.Write("models/flights.yaml", """
            dataset: flights
            entities:
              - { name: flight, type: primary }
              - { name: origin, type: foreign, column: origin_id, entity: airport }
              - { name: destination, type: foreign, column: destination_id, entity: airport }
            joins:
              - { name: origin_airport, to: airports, via: origin }
              - { name: destination_airport, to: airports, via: destination }
            measures:
              - { name: seats, agg: sum }
            """).Write("models/airports.yaml", "dataset: airports\nentities:\n  - { name: airport, type: primary }\ndimensions:\n  - { name: city }\n");
        var layer = ModelProject.Load(p).Semantic;
        var flights = layer.ReachOf(layer.FindModel("flights")!);
        Assert.Equal("flights -[origin]-> airports", layer.Resolve(flights, "origin_airport.city", out _)!.Path.ToString());
        Assert.Equal("flights -[destination]-> airports", layer.Resolve(flights, "destination_airport.city", out _)!.Path.ToString());
        Assert.NotEqual(layer.Resolve(flights, "origin_airport.city", out _)!.Identity, layer.Resolve(flights, "destination_airport.city", out _)!.Identity);
        Assert.Null(layer.Resolve(flights, "airports.city", out var error));
        Assert.Contains("'airports' is not a model reachable from 'flights'", error, StringComparison.Ordinal);
        Assert.Null(layer.Resolve(flights, "city", out error));
        Assert.Contains("ambiguous", error, StringComparison.Ordinal);

        // Without the aliases the same model does not compile.
        p.Write("models/flights.yaml", File.ReadAllText(Path.Combine(p.Root, "models/flights.yaml")).Replace("joins:", "joins_were:", StringComparison.Ordinal)
            .Replace("  - { name: origin_airport, to: airports, via: origin }\n  - { name: destination_airport, to: airports, via: destination }\n", "", StringComparison.Ordinal)
            .Replace("joins_were:\n", "", StringComparison.Ordinal));
        var e = ModelProject.Fails(p);
        Assert.Contains(e.Diagnostics, d => d.Message == "model 'flights' reaches 'airports' by two join paths: flights -[origin]-> airports and flights -[destination]-> airports");
    }

    [Fact]
    public void A_join_choice_naming_no_real_path_says_which_paths_exist()
    {
        using var p = ModelProject.Create()
            .Write("models/orders.yaml", ModelProject.Orders + "\njoins:\n  - { to: regions, via: customer.country }\n")
            .Write("models/customers.yaml", ModelProject.Customers).Write("models/merchants.yaml", ModelProject.Merchants).Write("models/regions.yaml", ModelProject.Regions);
        var e = ModelProject.Fails(p);
        var error = Assert.Single(e.Diagnostics, d => d.Message.Contains("no join path", StringComparison.Ordinal));
        Assert.Equal("model 'orders' has no join path to 'regions' via 'customer.country'", error.Message);
        Assert.Contains("via: customer.region", error.Hint, StringComparison.Ordinal);
        Assert.Contains("via: merchant.region", error.Hint, StringComparison.Ordinal);
        Assert.Equal(new SourceLocation("models/orders.yaml", 18, 5), error.Location);
    }
}
