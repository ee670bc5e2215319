// The word list and knowledge base of the task world (see lexicon.h). Typed by hand.
#include "data/lexicon.h"

namespace sr {
namespace data {

const std::vector<std::string>& word_list() {
    // Short common words, grouped loosely by length. The generator filters by length per
    // difficulty preset (e.g. 3..5 letters by default), so keep every length well stocked.
    static const std::vector<std::string> words = {
        // 3 letters
        "act", "age", "air", "ant", "arm", "art", "ask", "bag", "bat", "bed", "bee", "big",
        "box", "boy", "bus", "cab", "cap", "car", "cat", "cow", "cry", "cup", "cut", "day",
        "den", "dig", "dog", "dot", "dry", "ear", "eat", "egg", "elf", "end", "eye", "fan",
        "far", "fig", "fin", "fit", "fix", "fly", "fog", "fox", "fun", "fur", "gap", "gas",
        "gem", "gum", "hat", "hen", "hill", "hop", "hot", "hug", "ice", "ink", "jam", "jar",
        "jet", "job", "joy", "key", "kid", "kit", "lab", "lap", "leg", "lid", "lip", "log",
        "map", "mat", "mix", "mop", "mud", "mug", "net", "nut", "oak", "oil", "owl", "pan",
        "pen", "pet", "pie", "pig", "pin", "pot", "rag", "ram", "rat", "ray", "rib", "rug",
        "run", "sad", "saw", "sea", "set", "sip", "sit", "sky", "spy", "sun", "tag", "tap",
        "tea", "ten", "tin", "tip", "toe", "top", "toy", "tub", "van", "wax", "web", "wig",
        "win", "yak", "zip",
        // 4 letters
        "arch", "army", "baby", "back", "bake", "ball", "band", "bank", "bark", "barn",
        "bath", "bead", "bear", "bell", "belt", "bird", "boat", "bone", "book", "boot",
        "bowl", "cake", "calm", "camp", "card", "cave", "coat", "coin", "cold", "cook",
        "corn", "crab", "desk", "dish", "door", "dove", "drum", "duck", "dust", "farm",
        "fish", "flag", "foot", "fork", "frog", "gate", "gift", "goat", "gold", "hand",
        "harp", "hole", "home", "hook", "horn", "jump", "kite", "lake", "lamp", "leaf",
        "lion", "list", "milk", "mint", "moon", "nest", "note", "park", "path", "pear",
        "pink", "plum", "pond", "rain", "ring", "road", "rock", "roof", "rope", "rose",
        "salt", "sand", "seed", "ship", "shoe", "sock", "song", "soup", "star", "step",
        "tent", "tree", "wall", "wind", "wing", "wolf", "wood", "yard",
        // 5 letters
        "apple", "beach", "bread", "brick", "brush", "chair", "chalk", "cloud", "clock",
        "crown", "dance", "dream", "drink", "eagle", "earth", "field", "flame", "floor",
        "fruit", "ghost", "glass", "grape", "grass", "heart", "horse", "house", "juice",
        "knife", "lemon", "light", "mango", "money", "mouse", "music", "night", "ocean",
        "onion", "paint", "paper", "party", "peach", "pearl", "piano", "pilot", "plant",
        "plate", "queen", "river", "robot", "salad", "sheep", "shell", "skirt", "smile",
        "snake", "spoon", "stone", "storm", "sugar", "table", "tiger", "toast", "tooth",
        "towel", "train", "truck", "water", "whale", "wheel", "zebra",
        // 6 letters
        "animal", "basket", "bottle", "bridge", "butter", "candle", "carrot", "castle",
        "cherry", "cookie", "donkey", "dragon", "flower", "forest", "garden", "guitar",
        "hammer", "island", "jacket", "kitten", "ladder", "market", "mirror", "monkey",
        "orange", "pencil", "pepper", "pillow", "planet", "pocket", "potato", "rabbit",
        "rocket", "saddle", "school", "silver", "spider", "summer", "teapot", "ticket",
        "tomato", "turtle", "wallet", "window", "winter",
        // 7 letters
        "balloon", "blanket", "cabbage", "chicken", "dolphin", "giraffe", "kitchen",
        "library", "lobster", "morning", "octopus", "pancake", "peacock", "penguin",
        "picture", "pumpkin", "rainbow", "sandals", "teacher", "thunder", "trumpet",
        "unicorn", "village", "whistle",
        // 8 letters
        "airplane", "elephant", "mountain", "notebook", "sandwich", "squirrel", "umbrella",
    };
    return words;
}

const std::vector<Fact>& colour_facts() {
    // Subjects read well after "the colour of ..." (mass nouns and plurals).
    static const std::vector<Fact> facts = {
        {"grass", "green"},     {"snow", "white"},       {"coal", "black"},
        {"blood", "red"},       {"milk", "white"},       {"ink", "black"},
        {"mud", "brown"},       {"salt", "white"},       {"sugar", "white"},
        {"chocolate", "brown"}, {"frogs", "green"},      {"crows", "black"},
        {"lemons", "yellow"},   {"cherries", "red"},     {"tomatoes", "red"},
        {"carrots", "orange"},  {"pumpkins", "orange"},  {"grapes", "purple"},
        {"plums", "purple"},    {"limes", "green"},      {"peas", "green"},
        {"flamingos", "pink"},  {"elephants", "grey"},   {"clouds", "white"},
        {"leaves", "green"},    {"rubies", "red"},       {"sapphires", "blue"},
        {"emeralds", "green"},  {"ravens", "black"},     {"bananas", "yellow"},
        {"strawberries", "red"},{"coffee", "brown"},     {"soot", "black"},
        {"cream", "white"},     {"violets", "purple"},   {"pigs", "pink"},
        {"ashes", "grey"},      {"oceans", "blue"},      {"sunflowers", "yellow"},
        {"bark", "brown"},      {"mice", "grey"},        {"lavender", "purple"},
        {"tangerines", "orange"}, {"canaries", "yellow"}, {"rust", "orange"},
        {"bluebells", "blue"},  {"acorns", "brown"},     {"roses", "red"},
    };
    return facts;
}

const std::vector<Fact>& sound_facts() {
    // Animals start with a consonant so every phrasing can say "a <animal>".
    static const std::vector<Fact> facts = {
        {"cow", "moo"},       {"dog", "woof"},      {"cat", "meow"},     {"duck", "quack"},
        {"sheep", "baa"},     {"pig", "oink"},      {"horse", "neigh"},  {"lion", "roar"},
        {"snake", "hiss"},    {"bee", "buzz"},      {"frog", "croak"},   {"mouse", "squeak"},
        {"goat", "bleat"},    {"crow", "caw"},      {"wolf", "howl"},    {"donkey", "bray"},
        {"hen", "cluck"},     {"bird", "tweet"},    {"chick", "cheep"},  {"dove", "coo"},
        {"turkey", "gobble"}, {"bear", "growl"},    {"seal", "bark"},    {"monkey", "chatter"},
        {"pigeon", "coo"},    {"cricket", "chirp"}, {"tiger", "roar"},   {"parrot", "squawk"},
        {"hyena", "laugh"},   {"goose", "honk"},    {"raven", "croak"},  {"lamb", "bleat"},
    };
    return facts;
}

const std::vector<Fact>& capital_facts() {
    // Invented, so no model can know them from anywhere but our corpus.
    static const std::vector<Fact> facts = {
        {"Norland", "Vesk"},   {"Parvia", "Olm"},     {"Tesmar", "Kibo"},   {"Duvenia", "Rask"},
        {"Morrow", "Lune"},    {"Kelbia", "Dorn"},    {"Sarnia", "Pell"},   {"Brevia", "Quon"},
        {"Ostral", "Mirn"},    {"Tavia", "Grell"},    {"Zembra", "Fask"},   {"Lorvia", "Teem"},
        {"Quentia", "Balo"},   {"Ferrin", "Sulk"},    {"Gondia", "Hiva"},   {"Hollan", "Wex"},
        {"Istria", "Nolo"},    {"Jorvik", "Emba"},    {"Kastel", "Roon"},   {"Lemuria", "Tarn"},
        {"Marrak", "Vell"},    {"Nuvia", "Osk"},      {"Orvia", "Palu"},    {"Pentar", "Zell"},
        {"Ravia", "Kesh"},     {"Solvia", "Mott"},    {"Turin", "Brag"},    {"Valdor", "Sime"},
        {"Wendia", "Crom"},    {"Yarrow", "Dube"},
    };
    return facts;
}

const std::vector<std::string>& number_words() {
    static const std::vector<std::string> words = {
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
        "eighteen", "nineteen", "twenty"};
    return words;
}

}  // namespace data
}  // namespace sr
