#!/usr/bin/env python3
"""Deterministic generator of a synthetic corpus of short, simple English stories.

The embedded demo model must be trained on text we wrote ourselves (no third-party data set,
no license questions), so this script composes stories from small grammars: characters,
places, objects, actions, feelings, dialogue, cause and effect, endings. Every random choice
comes from one seeded random.Random, so the same seed and story count give byte-identical
files on any Python 3 (random.Random's choice/shuffle are stable across versions).

Output: one story per line (a story never contains a newline), UTF-8, "\n" line ends.
    <out>/train.txt    all stories but the last --heldout ones
    <out>/heldout.txt  the last --heldout stories (default 400), never seen in training

Usage: python3 make_corpus.py --out corpus [--stories 120000] [--seed 1234] [--heldout 400]
Pure standard library: it runs on the developer machine and on the device alike.
"""

import argparse
import hashlib
import os
import random

# ---------------------------------------------------------------------------------------------
# Vocabulary. Kept to simple words a young child knows, so a small model can learn them all.
# ---------------------------------------------------------------------------------------------

GIRL_NAMES = ["Lily", "Mia", "Anna", "Sara", "Emma", "Zoe", "Lucy", "Ella", "Ruby", "Nora",
              "Ivy", "Rosa", "Maya", "Amy", "Kate", "Jenny", "Molly", "Daisy", "Hana", "Lena",
              "Clara", "Grace", "Alice", "Julia", "Sofia", "Nina", "Layla", "Chloe", "Wendy", "Aisha",
              "Yuki", "Priya", "Fatima", "Olga", "Ingrid", "Maria", "Leila", "Tara", "Beth", "Poppy"]
BOY_NAMES = ["Tom", "Ben", "Sam", "Max", "Leo", "Jack", "Tim", "Noah", "Finn", "Oscar",
             "Jake", "Luke", "Omar", "Ravi", "Eli", "Hugo", "Theo", "Pablo", "Kai", "Dan",
             "Adam", "Peter", "Carlos", "Ivan", "Kenji", "Amir", "Felix", "Oliver", "Henry", "Lucas",
             "Mateo", "Arjun", "Tariq", "Jonas", "Victor", "Nico", "Simon", "Billy", "Alex", "Ahmed"]
# Animal kinds with the pronoun set used for them in a story.
ANIMALS = ["dog", "cat", "bunny", "bird", "bear", "fox", "duck", "frog", "mouse", "pig",
           "owl", "lamb", "turtle", "squirrel", "puppy", "kitten", "horse", "goat", "hen", "cow",
           "deer", "hedgehog", "penguin", "monkey", "lion", "tiger", "elephant", "giraffe", "zebra",
           "rabbit", "beaver", "raccoon", "otter", "donkey", "chick", "bee", "butterfly", "dragon"]
ANIMAL_NAMES = ["Spot", "Fluffy", "Pip", "Bubbles", "Coco", "Sunny", "Buddy", "Patch",
                "Ziggy", "Muffin", "Pepper", "Biscuit", "Dot", "Button", "Nibbles", "Rusty",
                "Honey", "Peanut", "Snowball", "Whiskers", "Shadow", "Maple", "Ginger", "Cookie",
                "Bramble", "Tuffy", "Noodle", "Pickles", "Waffles", "Acorn", "Sprinkles", "Mochi"]
SIZE_ADJ = ["little", "small", "big", "tiny", "young"]
TRAIT_ADJ = ["kind", "brave", "curious", "happy", "shy", "funny", "clever", "gentle", "silly",
             "smart", "polite", "helpful", "honest", "patient", "lively", "sleepy", "bold",
             "friendly", "cheerful", "quiet", "playful", "careful"]

# Places: (noun phrase, a short description, things one can do there)
PLACES = [
    ("the park", "the grass was green and soft", ["play on the swings", "run on the grass", "fly a kite"]),
    ("the forest", "the trees were tall and old", ["look for pinecones", "listen to the birds", "walk on the path"]),
    ("the beach", "the sand was warm and the sea was blue", ["build a sandcastle", "look for shells", "splash in the water"]),
    ("the garden", "the flowers were red and yellow", ["water the plants", "dig in the dirt", "pick some berries"]),
    ("the farm", "the cows and the hens made happy sounds", ["feed the hens", "ride in the cart", "pick apples"]),
    ("the school", "the classroom was bright and busy", ["draw pictures", "read a book", "sing songs"]),
    ("the lake", "the water was calm and clear", ["throw stones", "watch the ducks", "sit by the water"]),
    ("the hill", "the wind was cool at the top", ["roll down the grass", "fly a kite", "look at the town"]),
    ("the kitchen", "it smelled like fresh bread", ["bake cookies", "make a cake", "help with dinner"]),
    ("the library", "there were books on every shelf", ["read a story", "look at pictures", "find a new book"]),
    ("the market", "there were many people and fruits", ["buy some apples", "look at the toys", "smell the flowers"]),
    ("the river", "the water went fast over the rocks", ["watch the fish", "throw leaves in the water", "walk on the bridge"]),
    ("the zoo", "there were lions, monkeys and birds", ["watch the monkeys", "feed the goats", "see the big lion"]),
    ("the playground", "the slide was tall and shiny", ["go down the slide", "climb the ropes", "play tag"]),
    ("the backyard", "the grass was wet with dew", ["jump in the leaves", "play with a ball", "look at the bugs"]),
    ("the snowy field", "everything was white and cold", ["make a snowman", "throw snowballs", "make snow angels"]),
    ("the meadow", "butterflies danced over the tall grass", ["chase butterflies", "pick daisies", "lie in the sun"]),
    ("the pond", "frogs sat on green lily pads", ["catch tadpoles", "feed the fish", "skip stones"]),
    ("the bakery", "the air smelled of sugar and butter", ["buy a muffin", "watch the baker", "smell the cakes"]),
    ("the museum", "there were dinosaur bones and old paintings", ["see the dinosaurs", "look at paintings", "learn new things"]),
    ("the mountain", "the rocks were big and the air was fresh", ["climb the trail", "look at the clouds", "find pretty stones"]),
    ("the island", "palm trees swayed in the breeze", ["look for crabs", "swim in the sea", "dig for treasure"]),
    ("the castle", "the towers were tall and the walls were stone", ["play knights", "climb the stairs", "look for a dragon"]),
    ("the train station", "trains came and went all day", ["watch the trains", "wave at the driver", "ride a small train"]),
]

# Objects: (noun, colour-or-quality adjectives that fit it)
OBJECTS = [
    ("ball", ["red", "blue", "bouncy", "big"]), ("kite", ["red", "yellow", "long", "pretty"]),
    ("hat", ["green", "funny", "warm", "big"]), ("box", ["brown", "small", "heavy", "old"]),
    ("book", ["blue", "old", "thick", "new"]), ("toy car", ["red", "fast", "small", "shiny"]),
    ("doll", ["pretty", "soft", "little", "old"]), ("shell", ["pink", "white", "shiny", "small"]),
    ("flower", ["yellow", "purple", "pretty", "tall"]), ("cookie", ["big", "sweet", "round", "warm"]),
    ("teddy bear", ["brown", "soft", "old", "fluffy"]), ("key", ["gold", "small", "old", "shiny"]),
    ("rock", ["smooth", "gray", "round", "shiny"]), ("drum", ["loud", "red", "little", "new"]),
    ("boat", ["little", "paper", "blue", "wooden"]), ("crayon", ["green", "blue", "orange", "new"]),
    ("blanket", ["warm", "soft", "blue", "big"]), ("apple", ["red", "green", "big", "sweet"]),
    ("feather", ["white", "long", "soft", "blue"]), ("bell", ["small", "gold", "shiny", "loud"]),
    ("map", ["old", "big", "funny", "torn"]), ("cup", ["blue", "little", "yellow", "pretty"]),
    ("scarf", ["red", "warm", "long", "soft"]), ("balloon", ["red", "big", "green", "round"]),
    ("umbrella", ["yellow", "big", "striped", "purple"]), ("puzzle", ["hard", "new", "big", "colorful"]),
    ("whistle", ["silver", "loud", "little", "shiny"]), ("bucket", ["red", "plastic", "small", "blue"]),
    ("robot", ["silver", "noisy", "clever", "tiny"]), ("sock", ["striped", "woolly", "green", "odd"]),
    ("marble", ["glass", "blue", "shiny", "tiny"]), ("lantern", ["paper", "glowing", "orange", "old"]),
    ("basket", ["woven", "full", "brown", "little"]), ("kazoo", ["yellow", "funny", "loud", "little"]),
    ("pillow", ["soft", "fluffy", "white", "big"]), ("sandwich", ["tasty", "big", "cheese", "jam"]),
    ("star sticker", ["gold", "shiny", "sparkly", "little"]), ("wagon", ["red", "wooden", "squeaky", "old"]),
]

FEELINGS_GOOD = ["happy", "glad", "proud", "excited", "calm", "thankful", "joyful", "cheerful", "delighted"]
FEELINGS_BAD = ["sad", "scared", "worried", "upset", "lonely", "angry", "nervous", "grumpy", "afraid"]
WEATHER = ["sunny", "rainy", "windy", "cold", "warm", "cloudy", "snowy"]
TIMES = ["One morning", "One day", "One sunny day", "One evening", "Last summer",
         "One cold winter day", "One afternoon", "Early one morning", "On a windy day"]
GROWNUPS = [("Mom", "she", "her"), ("Dad", "he", "his"), ("Grandma", "she", "her"),
            ("Grandpa", "he", "his"), ("the teacher", "she", "her"), ("the old farmer", "he", "his")]
FOODS = ["soup", "pancakes", "apple pie", "cookies", "bread and jam", "warm milk", "a big cake", "rice and beans",
         "noodles", "pizza", "carrot soup", "fish and potatoes", "hot cocoa", "fresh strawberries",
         "dumplings", "corn bread", "banana muffins", "lemon tea", "peach cobbler", "tomato pasta"]
SOUNDS = ["a soft cry", "a loud bang", "a funny noise", "a little song", "a strange sound", "a tiny squeak"]
HELPEES = [("a little bird", "its", "it"), ("a small kitten", "its", "it"), ("a baby duck", "its", "it"),
           ("an old man", "his", "him"), ("a lost puppy", "its", "it"), ("a little girl", "her", "her")]


def a_an(phrase):
    """Indefinite article for a noun phrase ('an apple', 'a ball')."""
    return ("an " if phrase[0] in "aeiou" else "a ") + phrase


def cap(sentence):
    """Capitalize the first letter only (names stay as they are)."""
    return sentence[0].upper() + sentence[1:]


class Character:
    """A story character with its pronouns, so every template agrees in gender and number."""

    def __init__(self, rng, used_names):
        kind_roll = rng.random()
        if kind_roll < 0.35:
            self.name, self.noun, gender = self._pick(rng, GIRL_NAMES, used_names), "girl", "f"
        elif kind_roll < 0.70:
            self.name, self.noun, gender = self._pick(rng, BOY_NAMES, used_names), "boy", "m"
        else:
            self.name, self.noun = self._pick(rng, ANIMAL_NAMES, used_names), rng.choice(ANIMALS)
            gender = rng.choice("fm")
        self.he, self.him, self.his = ("she", "her", "her") if gender == "f" else ("he", "him", "his")
        self.size = rng.choice(SIZE_ADJ)
        self.trait = rng.choice(TRAIT_ADJ)

    @staticmethod
    def _pick(rng, names, used):
        name = rng.choice([n for n in names if n not in used])
        used.add(name)
        return name

    def intro(self, rng):
        """'a little girl named Lily' or 'a curious cat called Spot'."""
        adj = rng.choice([self.size, self.trait])
        return f"{a_an(adj)} {self.noun} {rng.choice(['named', 'called'])} {self.name}"


class Story:
    """Collects sentences; `s` fills a template from a shared slot dictionary."""

    def __init__(self, rng, slots):
        self.rng, self.slots, self.sentences = rng, slots, []

    def s(self, *templates):
        self.sentences.append(cap(self.rng.choice(templates).format(**self.slots)))

    def text(self):
        return " ".join(self.sentences)


def make_slots(rng, a, b):
    """Every slot a template may use, chosen once per story so the story stays consistent."""
    place, place_desc, place_acts = rng.choice(PLACES)
    obj, obj_adjs = rng.choice(OBJECTS)
    grown, grown_he, grown_his = rng.choice(GROWNUPS)
    helpee, helpee_his, helpee_him = rng.choice(HELPEES)
    return {
        "A": a.name, "A_he": a.he, "A_him": a.him, "A_his": a.his, "A_intro": a.intro(rng),
        "A_trait": a.trait, "a_A_trait": a_an(a.trait), "A_noun": a.noun,
        "B": b.name, "B_he": b.he, "B_him": b.him, "B_his": b.his, "B_intro": b.intro(rng),
        "B_trait": b.trait,
        "place": place, "place_desc": place_desc, "act": rng.choice(place_acts),
        "act2": rng.choice(place_acts),
        "obj": obj, "obj_adj": rng.choice(obj_adjs), "a_obj": a_an(rng.choice(obj_adjs) + " " + obj),
        "good": rng.choice(FEELINGS_GOOD), "good2": rng.choice(FEELINGS_GOOD),
        "bad": rng.choice(FEELINGS_BAD), "weather": rng.choice(WEATHER), "time": rng.choice(TIMES),
        "G": grown, "G_he": grown_he, "G_his": grown_his, "food": rng.choice(FOODS),
        "sound": rng.choice(SOUNDS), "H": helpee, "H_his": helpee_his, "H_him": helpee_him,
    }


# ---------------------------------------------------------------------------------------------
# Shared story parts: openings and endings are reused by every plot.
# ---------------------------------------------------------------------------------------------

def opening(st):
    # First sentence introduces A, second introduces B, so no name appears from nowhere.
    st.s("Once upon a time, there was {A_intro}.",
         "There once was {A_intro}.",
         "{time}, {A_intro} woke up early.",
         "In a small town lived {A_intro}.",
         "{A} was {a_A_trait} {A_noun} who liked to play all day.")
    st.s("{A} had a friend, {B_intro}.",
         "{A}'s best friend was {B_intro}.",
         "{A} often played with {B_intro}.",
         "Next door lived {B_intro}.")
    if st.rng.random() < 0.6:
        st.s("{A}'s favorite place was {place}, where {place_desc}.",
             "{A_he} loved to {act} more than anything.",
             "Every day, {A} and {B} liked to {act} together.",
             "{A} and {B} liked to go to {place}, because {place_desc}.")


def ending(st):
    st.s("From that day on, {A} and {B} were best friends.",
         "In the end, {A} learned that it is good to help others.",
         "That night, {A} went to bed with a big smile.",
         "Then they all went home and had {food} for dinner.",
         "{A} was {good}, and {B} was {good2} too.",
         "It was the best day ever.",
         "After that, {A} always remembered this day.",
         "And they played together until the sun went down.")


# ---------------------------------------------------------------------------------------------
# Plots. Each is a sequence of steps; each step picks one of several phrasings.
# ---------------------------------------------------------------------------------------------

def plot_lost_and_found(st):
    st.s("{A} had {a_obj} that {A_he} loved very much.",
         "{A}'s favorite toy was {a_obj}.",
         "{G} gave {A} {a_obj} as a gift.")
    st.s("One day, {A} took the {obj} to {place}.",
         "{A} and the {obj} went to {place} to {act}.")
    st.s("When it was time to go home, the {obj} was gone!",
         "But after a while, {A} could not find the {obj}.",
         "Suddenly, {A} saw that the {obj} was not there anymore.")
    st.s("{A} felt {bad}. \"Where is my {obj}?\" {A_he} cried.",
         "\"Oh no! I lost my {obj}!\" said {A}, and {A_he} felt {bad}.",
         "{A} was {bad} because {A_he} could not find {A_his} {obj}.")
    st.s("{B} came over and asked, \"Why are you {bad}?\"",
         "Then {B} saw {A} and said, \"Do not worry. I will help you look.\"",
         "\"Let's look for it together,\" said {B}.")
    st.s("They looked under the trees and behind the rocks.",
         "They looked everywhere, high and low.",
         "They walked all around {place} and looked very carefully.")
    st.s("At last, {B} found the {obj} under a big leaf.",
         "Then {A} saw something {obj_adj} in the grass. It was the {obj}!",
         "Finally, they found the {obj} next to a small bush.")
    st.s("\"Thank you, {B}!\" said {A}. \"You are a good friend.\"",
         "{A} hugged the {obj} and said, \"I will never lose you again.\"",
         "{A} smiled and gave {B} a big hug.")


def plot_sharing(st):
    st.s("{A} had {a_obj}.", "{A} got {a_obj} from {G}.", "{A} found {a_obj} at {place}.")
    st.s("{B} saw the {obj} and wanted to play with it too.",
         "{B} looked at the {obj} and said, \"Can I play with it?\"",
         "\"What a nice {obj}!\" said {B}. \"May I hold it?\"")
    st.s("But {A} said, \"No, it is mine!\"",
         "{A} held the {obj} close and said, \"No, you can't.\"",
         "{A} did not want to share, so {A_he} ran away with the {obj}.")
    st.s("{B} felt {bad} and walked away.",
         "{B} was {bad}, and {B_his} eyes filled with tears.",
         "{B} sat down alone and looked at the ground.")
    st.s("Because {A} played alone, the game was not fun anymore.",
         "Soon {A} felt {bad} too, because playing alone was boring.",
         "{A} looked at {B} and felt a little bad inside.")
    st.s("So {A} went to {B} and said, \"I am sorry. Let's play together.\"",
         "{A} walked over to {B} and said, \"Here, you can play with my {obj}.\"",
         "Then {A} had an idea. \"We can take turns,\" {A_he} said.")
    st.s("{B} smiled, and they played with the {obj} all afternoon.",
         "They took turns with the {obj}, and they laughed and laughed.",
         "\"Thank you!\" said {B}. Sharing made them both {good}.")


def plot_adventure(st):
    st.s("{A} and {B} went to {place}.",
         "{A} wanted to explore {place}, so {A_he} went there with {B}.",
         "{time}, {A} and {B} walked to {place} to {act}.")
    st.s("When they got there, {place_desc}.",
         "At {place}, {place_desc}.",
         "It was a {weather} day, and {place_desc}.")
    st.s("Then they heard {sound}.",
         "Suddenly, {A} heard {sound} behind a tree.",
         "All at once, there was {sound}.")
    st.s("\"What was that?\" asked {B}.",
         "\"Did you hear that?\" whispered {A}.",
         "{B} held {A}'s hand and said, \"I am a little {bad}.\"")
    st.s("{A} was {A_trait}, so {A_he} went to look.",
         "They walked slowly to see what it was.",
         "{A} said, \"Let's go and see. We can be brave together.\"")
    st.s("It was {H}! {H_his} foot was stuck under a branch.",
         "It was only {H}, and it was playing a game.",
         "They found {H} that could not get home.")
    st.s("{A} and {B} helped {H_him}, and soon everything was fine.",
         "They helped {H_him} and walked {H_him} back home.",
         "{A} was kind and helped {H_him}, and {B} helped too.")
    st.s("Then it was time to go home, so they said goodbye.",
         "On the way home, they talked about their big adventure.",
         "{G} was waiting for them, and {G_he} was {good} to see them.")


def plot_making(st):
    st.s("{A} and {B} wanted to make something special.",
         "\"Let's make a surprise for {G},\" said {A}.",
         "It was a {weather} day, and {A} and {B} wanted to {act}.")
    st.s("First, they got everything they needed.",
         "First, {A} found a big bowl, and {B} found a spoon.",
         "They got paper, glue and {a_obj}.")
    st.s("Then they worked and worked for a long time.",
         "They mixed and stirred, and they cut and glued.",
         "Next, {A} made a plan, and {B} helped.")
    st.s("But then something went wrong. Oops! The {obj} fell on the floor.",
         "But {B} slipped, and everything made a big mess.",
         "Oh no! The wind blew their work away.")
    st.s("{A} felt {bad}. \"Now it is all ruined,\" {A_he} said.",
         "{B} wanted to cry, but {A} said, \"We can fix it.\"",
         "They were {bad} for a moment.")
    st.s("So they tried again, and this time they were very careful.",
         "They cleaned up the mess and started again.",
         "{G} came to help, and {G_he} showed them a better way.")
    st.s("At last, it was done, and it looked wonderful.",
         "When they finished, they felt very {good}.",
         "{G} saw it and said, \"This is beautiful! Thank you!\"")


def plot_weather(st):
    st.s("{A} wanted to go to {place} to {act}.",
         "{A} and {B} made a plan to {act} at {place}.")
    st.s("But when {A} looked out the window, it was raining.",
         "But then dark clouds came, and it started to rain.",
         "But the wind was too strong, so they could not go outside.")
    st.s("{A} felt {bad}. \"Now we can't go,\" {A_he} said.",
         "\"This is not fair,\" said {A}, and {A_he} sat down on the floor.",
         "{A} looked at the rain and felt {bad}.")
    st.s("{G} said, \"Why don't you play inside today?\"",
         "Then {B} had an idea. \"Let's build a fort with blankets!\"",
         "{G} smiled and said, \"The rain will stop soon. Be patient.\"")
    st.s("So they built a big fort and read books inside it.",
         "So they played games, drew pictures and ate {food}.",
         "They waited, and they sang songs while the rain fell.")
    st.s("Soon the rain stopped, and the sun came out.",
         "After a while, the sky was blue again.",
         "When the rain stopped, there was a rainbow in the sky!")
    st.s("They ran outside and went to {place} to {act}.",
         "They put on their boots and jumped in the puddles.",
         "Now they could go to {place} after all.")


def plot_helping(st):
    st.s("{time}, {A} was walking to {place}.",
         "{A} was on the way to {place} to {act}.")
    st.s("On the way, {A_he} saw {H}.",
         "Near the path, {A} found {H}.",
         "Then {A} heard {sound} and saw {H}.")
    st.s("It looked {bad} and could not find its way home.",
         "{H} was stuck and needed help.",
         "{H} was cold and hungry.")
    st.s("\"Don't be {bad},\" said {A}. \"I will help you.\"",
         "{A} knew {A_he} had to help, because {A_he} had a kind heart.",
         "{A} asked, \"Are you okay? Can I help?\"")
    st.s("{A} ran to get {B}, and they came back together.",
         "{A} gave {H_him} some food and a warm blanket.",
         "{A} carried {H_him} very gently.")
    st.s("Together, they took {H_him} home.",
         "Soon {H} felt better and was {good}.",
         "They found {H_his} home, and everyone was very {good}.")
    st.s("\"Thank you for helping,\" said {G}. \"That was very kind.\"",
         "{A} felt warm inside, because helping others feels good.",
         "Everyone said {A} was a hero.")


def plot_warning(st):
    st.s("{G} said, \"Do not go near the {obj}. It is not safe.\"",
         "\"Stay away from the river,\" said {G}.",
         "{G} told {A}, \"Please do not touch the {obj}.\"")
    st.s("But {A} was {A_trait} and wanted to see it anyway.",
         "But {A} did not listen.",
         "{A} nodded, but later {A_he} forgot.")
    st.s("{A} went closer and closer.",
         "When nobody was looking, {A} reached for it.",
         "{A} wanted to see what would happen.")
    st.s("Suddenly, {A} slipped and fell down with a bump!",
         "Crash! The {obj} broke into many pieces.",
         "Splash! {A} fell into the cold water.")
    st.s("{A} started to cry, and {A_he} felt very {bad}.",
         "{A} was {bad} and called for help.",
         "{A} sat very still and felt {bad}.")
    st.s("{G} came running and helped {A_him}.",
         "{G} came quickly and gave {A_him} a big hug.",
         "{B} heard the noise and ran to get {G}.")
    st.s("\"I am sorry,\" said {A}. \"I should have listened.\"",
         "{A} said sorry, and {G} said, \"It is okay. Now you know.\"",
         "From then on, {A} always listened to {G}.")


def plot_birthday(st):
    st.s("Tomorrow was {B}'s birthday.",
         "It was almost {B}'s birthday, and {A} wanted to give {B_him} a gift.")
    st.s("{A} thought and thought. What would {B} like?",
         "{A} did not have any money, so {A_he} had to think of something else.",
         "{A} asked {G}, \"What can I give {B}?\"")
    st.s("Then {A} had an idea. {A_he} would make {a_obj}!",
         "{G} said, \"A gift from your heart is the best gift.\"",
         "{A} decided to draw a picture of {B} and {A_him} at {place}.")
    st.s("{A} worked very hard all day.",
         "{A} used many colors and worked until it was dark.",
         "It was hard, but {A} did not give up.")
    st.s("The next day, {A} gave the gift to {B}.",
         "At the party, {A} gave {B} the surprise.",
         "When {B} opened the gift, {B_his} eyes got big.")
    st.s("\"I love it!\" said {B}. \"This is the best gift ever!\"",
         "{B} was so {good} that {B_he} jumped up and down.",
         "{B} smiled and said, \"Thank you. You are my best friend.\"")
    st.s("Then everyone ate cake and played games.",
         "They sang songs and ate {food} together.",
         "Everyone at the party was {good}.")


PLOTS = [plot_lost_and_found, plot_sharing, plot_adventure, plot_making,
         plot_weather, plot_helping, plot_warning, plot_birthday]


def make_story(rng):
    """One story: opening, a plot, an optional reflection, an ending."""
    used = set()
    a, b = Character(rng, used), Character(rng, used)
    st = Story(rng, make_slots(rng, a, b))
    opening(st)
    rng.choice(PLOTS)(st)
    if rng.random() < 0.5:  # cause/effect reflection, for variety in the second half
        st.s("{A} learned that being {A_trait} is good, but being kind is even better.",
             "Because {B} helped, {A} was not {bad} anymore.",
             "Since the day was so long, {A} felt very sleepy.",
             "{A} thought about the day and smiled, because it had a happy ending.")
    ending(st)
    return st.text()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="output folder (created)")
    # 120k stories (~68 MB): with 40k the demo model began to memorize (held-out loss rose
    # after ~18 epochs); 3000 training steps over 120k stories are ~6 epochs.
    ap.add_argument("--stories", type=int, default=120000)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--heldout", type=int, default=400, help="number of stories held out (the last ones)")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    stories = [make_story(rng) for _ in range(args.stories)]
    n_held = args.heldout
    splits = {"train.txt": stories[:-n_held], "heldout.txt": stories[-n_held:]}

    os.makedirs(args.out, exist_ok=True)
    for name, lines in splits.items():
        data = ("\n".join(lines) + "\n").encode("utf-8")
        with open(os.path.join(args.out, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(lines)} stories, {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
    words = {w.strip('.,!?"\'') for line in stories for w in line.split()}
    print(f"distinct words: {len(words)}; distinct stories: {len(set(stories))}")


if __name__ == "__main__":
    main()
