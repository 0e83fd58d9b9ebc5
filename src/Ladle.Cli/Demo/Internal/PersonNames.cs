namespace Ladle.Cli.Demo.Internal;

/// <summary>Given and family names for fictitious customers; ASCII so they can form email addresses as they are.</summary>
internal static class PersonNames
{
    public static readonly string[] First =
    [
        "Olivia", "Liam", "Emma", "Noah", "Ava", "Lucas", "Sophia", "Mateo", "Mia", "Leon", "Amelia", "Hugo",
        "Isabella", "Arthur", "Charlotte", "Elias", "Harper", "Louis", "Evelyn", "Theo", "Emilia", "Gabriel",
        "Sofia", "Jakob", "Chloe", "Oscar", "Lea", "Adam", "Alice", "Samuel", "Lina", "David", "Maria", "Daniel",
        "Ana", "Pedro", "Julia", "Tomas", "Clara", "Felix", "Nora", "Jonas", "Ines", "Diego", "Valentina", "Rafael",
        "Camila", "Lorenzo", "Giulia", "Marco", "Elena", "Luca", "Sara", "Hiroshi", "Yuki", "Haruto", "Sakura",
        "Aarav", "Priya", "Rohan", "Ananya", "Minjun", "Jiwoo", "Wei", "Mei", "Omar", "Layla", "Yusuf", "Amara",
        "Kwame", "Zara", "Ethan", "Grace", "Jack", "Ruby", "Henry", "Lily", "Owen", "Zoe", "Ryan", "Hannah",
        "Nathan", "Ella", "Leo", "Maya", "Isaac", "Aria", "Caleb", "Nina", "Max", "Eva", "Finn", "Ida", "Erik",
        "Astrid", "Piotr", "Zofia", "Joao", "Beatriz",
    ];

    public static readonly string[] Last =
    [
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
        "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Lee", "Clark", "Lewis", "Walker", "Hall",
        "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell",
        "Roberts", "Carter", "Phillips", "Evans", "Turner", "Parker", "Collins", "Edwards", "Stewart", "Morris",
        "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Reed", "Bailey", "Mueller", "Schmidt",
        "Schneider", "Fischer", "Weber", "Becker", "Dubois", "Lefebvre", "Moreau", "Laurent", "Rossi", "Russo",
        "Ferrari", "Esposito", "Bianchi", "Fernandez", "Lopez", "Gonzalez", "Perez", "Sanchez", "Silva", "Santos",
        "Oliveira", "Costa", "Pereira", "DeVries", "Jansen", "Bakker", "Nowak", "Kowalski", "Lindqvist",
        "Johansson", "Sato", "Suzuki", "Takahashi", "Tanaka", "Kim", "Park", "Choi", "Sharma", "Patel", "Gupta",
        "Singh", "Chen", "Wang", "Nguyen", "Tran", "Okafor", "Mensah",
    ];
}
