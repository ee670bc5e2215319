// The fixed vocabulary of the task world: the word list and the small knowledge base.
// Everything here is data typed by hand, so the world needs nothing downloaded; the
// generator writes it out as data/world/words.txt and data/world/facts.txt for readers.
#pragma once

#include <string>
#include <vector>

namespace sr {
namespace data {

struct Fact {
    std::string subject;  // "grass", "cow", "Norland"
    std::string value;    // "green", "moo",  "Vesk"
};

// A few hundred short common lowercase English words (3..8 letters, [a-z] only, distinct).
const std::vector<std::string>& word_list();

// The knowledge base, one table per fact family.
const std::vector<Fact>& colour_facts();   // thing -> colour ("grass" -> "green")
const std::vector<Fact>& sound_facts();    // animal -> sound ("cow" -> "moo")
const std::vector<Fact>& capital_facts();  // invented country -> invented capital

// Number words "zero".."twenty" (index = value); used to recognise "right number, wrong form".
const std::vector<std::string>& number_words();

}  // namespace data
}  // namespace sr
