// A pickle reader for what torch.save writes (protocols 2–5): a small stack machine over
// an arena of values, which builds data and never runs anything.
#include "import/pickle_reader.h"

#include "fastformer/error.h"

#include <cstring>
#include <unordered_map>

namespace fastformer {
namespace {

// Values live in one arena and refer to each other by index: a pickle may share one value
// in many places (its memo) or make cycles, and an arena frees them all the same way.
struct Value {
  enum class Kind { none, boolean, integer, real, text, bytes, tuple, list, dict, global, object, storage, tensor };
  Kind kind = Kind::none;
  std::int64_t integer = 0;
  double real = 0.0;
  std::string text;              // text, bytes; a global's or an object's "module.name"
  std::vector<std::size_t> items;  // tuple, list, dict (key, value, key, value…)
  PickledTensor tensor;          // storage: key, dtype, numel, location; tensor: all of it
};

constexpr std::size_t kMaxValues = 1u << 18;  // a real state_dict makes a few thousand
constexpr std::size_t kMaxStack = 1u << 16;

const char* kind_name(Value::Kind kind) {
  static const char* const names[] = {"None",  "bool", "int",    "float",  "str",     "bytes", "tuple",
                                      "list",  "dict", "global", "object", "storage", "tensor"};
  return names[static_cast<int>(kind)];
}

c10::ScalarType storage_dtype(const std::string& name, const std::string& where) {
  static const std::pair<const char*, c10::ScalarType> kTypes[] = {
      {"torch.FloatStorage", c10::ScalarType::Float},   {"torch.DoubleStorage", c10::ScalarType::Double},
      {"torch.HalfStorage", c10::ScalarType::Half},     {"torch.BFloat16Storage", c10::ScalarType::BFloat16},
      {"torch.LongStorage", c10::ScalarType::Long},     {"torch.IntStorage", c10::ScalarType::Int},
      {"torch.ShortStorage", c10::ScalarType::Short},   {"torch.CharStorage", c10::ScalarType::Char},
      {"torch.ByteStorage", c10::ScalarType::Byte},     {"torch.BoolStorage", c10::ScalarType::Bool}};
  for (const auto& [text, type] : kTypes) {
    if (name == text) return type;
  }
  throw Error("unsupported tensor storage " + name, where, "save float, integer or bool tensors");
}

class Machine {
 public:
  Machine(std::string_view bytes, std::string where) : in_(bytes), where_(std::move(where)) {}

  // Runs to STOP and returns the index of the pickled value.
  std::size_t run();
  const Value& at(std::size_t i) const { return arena_[i]; }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(what + " at byte " + std::to_string(pos_), where_, "the file is damaged or not a torch.save state_dict");
  }
  std::string_view take(std::size_t n) {
    if (n > in_.size() - pos_) fail("the pickle ends early");
    const std::string_view out = in_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  std::uint64_t little(std::size_t n) {
    const std::string_view b = take(n);
    std::uint64_t v = 0;
    for (std::size_t i = n; i-- > 0;) v = (v << 8) | static_cast<unsigned char>(b[i]);
    return v;
  }
  std::string line() {  // text up to '\n' (GLOBAL, PUT, GET)
    const std::size_t end = in_.find('\n', pos_);
    if (end == std::string_view::npos) fail("the pickle ends early");
    std::string out(in_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return out;
  }
  std::size_t make(Value v) {
    if (arena_.size() >= kMaxValues) fail("more than " + std::to_string(kMaxValues) + " values");
    arena_.push_back(std::move(v));
    return arena_.size() - 1;
  }
  std::size_t make(Value::Kind kind, std::string text = {}) {
    Value v;
    v.kind = kind;
    v.text = std::move(text);
    return make(std::move(v));
  }
  void push(std::size_t v) {
    if (stack_.size() >= kMaxStack) fail("the pickle's stack is too deep");
    stack_.push_back(v);
  }
  std::size_t pop() {
    if (stack_.size() <= floor()) fail("the pickle pops an empty stack");
    const std::size_t v = stack_.back();
    stack_.pop_back();
    return v;
  }
  std::size_t& top() {
    if (stack_.size() <= floor()) fail("the pickle reads an empty stack");
    return stack_.back();
  }
  std::size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  std::vector<std::size_t> pop_mark() {  // the items since the last MARK
    if (marks_.empty()) fail("the pickle has no MARK to pop to");
    std::vector<std::size_t> items(stack_.begin() + static_cast<std::ptrdiff_t>(marks_.back()), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }
  Value& expect(std::size_t i, Value::Kind kind, const char* what) {
    if (arena_[i].kind != kind) fail(std::string(what) + " is a " + kind_name(arena_[i].kind) + ", not a " + kind_name(kind));
    return arena_[i];
  }
  std::size_t memo_get(std::uint64_t key) {
    const auto found = memo_.find(key);
    if (found == memo_.end()) fail("the pickle reads memo entry " + std::to_string(key) + ", never written");
    return found->second;
  }
  void memo_put(std::uint64_t key) {
    if (memo_.size() >= kMaxValues) fail("too many memo entries");
    memo_[key] = top();
  }
  std::size_t tuple(std::vector<std::size_t> items) {
    Value v;
    v.kind = Value::Kind::tuple;
    v.items = std::move(items);
    return make(std::move(v));
  }
  std::vector<std::int64_t> int_tuple(std::size_t i, const char* what);
  void add_to_list(std::size_t list, const std::vector<std::size_t>& items);
  void add_to_dict(std::size_t dict, const std::vector<std::size_t>& pairs);
  std::size_t reduce(std::size_t callable, std::size_t args);
  std::size_t persistent(std::size_t pid);

  std::string_view in_;
  std::string where_;
  std::size_t pos_ = 0;
  std::vector<Value> arena_;
  std::vector<std::size_t> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint64_t, std::size_t> memo_;
};

std::vector<std::int64_t> Machine::int_tuple(std::size_t i, const char* what) {
  const Value& t = arena_[i];
  if (t.kind != Value::Kind::tuple && t.kind != Value::Kind::list) fail(std::string(what) + " is not a tuple");
  std::vector<std::int64_t> out;
  for (const std::size_t item : t.items) out.push_back(expect(item, Value::Kind::integer, what).integer);
  return out;
}

void Machine::add_to_list(std::size_t list, const std::vector<std::size_t>& items) {
  Value& l = arena_[list];
  if (l.kind == Value::Kind::object) return;  // a list subclass of some module: not data we read
  if (l.kind != Value::Kind::list) fail("APPEND to a " + std::string(kind_name(l.kind)));
  l.items.insert(l.items.end(), items.begin(), items.end());
}

void Machine::add_to_dict(std::size_t dict, const std::vector<std::size_t>& pairs) {
  if (pairs.size() % 2 != 0) fail("SETITEMS with an odd number of items");
  Value& d = arena_[dict];
  if (d.kind == Value::Kind::object) return;
  if (d.kind != Value::Kind::dict) fail("SETITEM on a " + std::string(kind_name(d.kind)));
  d.items.insert(d.items.end(), pairs.begin(), pairs.end());
}

// What calling a global builds: the dicts and tensors of a state_dict; anything else is
// an opaque object that keeps its class name for the caller's message.
std::size_t Machine::reduce(std::size_t callable, std::size_t args) {
  const std::string name = expect(callable, Value::Kind::global, "a REDUCE's callable").text;
  const std::vector<std::size_t> a = expect(args, Value::Kind::tuple, "a REDUCE's arguments").items;
  if (name == "collections.OrderedDict" && a.empty()) return make(Value::Kind::dict);
  if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor") {
    if (a.size() < 4) fail(name + " with " + std::to_string(a.size()) + " arguments");
    Value v;
    v.kind = Value::Kind::tensor;
    v.tensor = expect(a[0], Value::Kind::storage, "a tensor's storage").tensor;
    v.tensor.offset = expect(a[1], Value::Kind::integer, "a tensor's offset").integer;
    v.tensor.sizes = int_tuple(a[2], "a tensor's size");
    v.tensor.strides = int_tuple(a[3], "a tensor's stride");
    if (v.tensor.sizes.size() != v.tensor.strides.size()) fail("a tensor's size and stride differ in length");
    return make(std::move(v));
  }
  if (name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state") {
    if (a.empty()) fail(name + " without arguments");
    expect(a[0], Value::Kind::tensor, "a parameter's data");
    return a[0];
  }
  if (name.rfind("torch._utils._rebuild", 0) == 0) {
    throw Error("unsupported tensor kind (" + name + ")", where_, "save dense, unquantized tensors");
  }
  return make(Value::Kind::object, name);
}

// ('storage', torch.FloatStorage, key, location, numel): one record of the zip.
std::size_t Machine::persistent(std::size_t pid) {
  const std::vector<std::size_t> t = expect(pid, Value::Kind::tuple, "a persistent id").items;
  if (t.size() != 5 || arena_[t[0]].kind != Value::Kind::text || arena_[t[0]].text != "storage") {
    fail("a persistent id that is not a tensor storage");
  }
  Value v;
  v.kind = Value::Kind::storage;
  v.tensor.dtype = storage_dtype(expect(t[1], Value::Kind::global, "a storage type").text, where_);
  v.tensor.storage_key = expect(t[2], Value::Kind::text, "a storage key").text;
  v.tensor.location = expect(t[3], Value::Kind::text, "a storage location").text;
  v.tensor.storage_numel = expect(t[4], Value::Kind::integer, "a storage size").integer;
  if (v.tensor.storage_numel < 0) fail("a storage of negative size");
  return make(std::move(v));
}

std::size_t Machine::run() {
  using K = Value::Kind;
  for (;;) {
    const auto op = static_cast<unsigned char>(take(1)[0]);
    switch (op) {
      case 0x80: take(1); break;                // PROTO
      case 0x95: take(8); break;                // FRAME: a length hint
      case '.': return pop();                   // STOP
      case '(': marks_.push_back(stack_.size()); break;  // MARK
      case '}': push(make(K::dict)); break;     // EMPTY_DICT
      case ']': push(make(K::list)); break;     // EMPTY_LIST
      case ')': push(tuple({})); break;         // EMPTY_TUPLE
      case 't': push(tuple(pop_mark())); break;  // TUPLE
      case 0x85: case 0x86: case 0x87: {        // TUPLE1–3
        std::vector<std::size_t> items(op - 0x84);
        for (std::size_t i = items.size(); i-- > 0;) items[i] = pop();
        push(tuple(std::move(items)));
        break;
      }
      case 'l': { Value v; v.kind = K::list; v.items = pop_mark(); push(make(std::move(v))); break; }  // LIST
      case 'd': { const std::size_t d = make(K::dict); add_to_dict(d, pop_mark()); push(d); break; }  // DICT
      case 'J': { Value v; v.kind = K::integer; v.integer = static_cast<std::int32_t>(little(4)); push(make(std::move(v))); break; }
      case 'K': case 'M': { Value v; v.kind = K::integer; v.integer = static_cast<std::int64_t>(little(op == 'K' ? 1 : 2)); push(make(std::move(v))); break; }
      case 0x8a: {  // LONG1: n bytes of two's complement
        const auto n = static_cast<std::size_t>(little(1));
        if (n > 8) fail("an integer of " + std::to_string(n) + " bytes");
        Value v;
        v.kind = K::integer;
        std::uint64_t raw = n == 0 ? 0 : little(n);
        if (n > 0 && n < 8 && (raw >> (8 * n - 1)) != 0) raw |= ~0ull << (8 * n);  // sign-extend
        v.integer = static_cast<std::int64_t>(raw);
        push(make(std::move(v)));
        break;
      }
      case 'G': {  // BINFLOAT: big-endian double
        const std::string_view b = take(8);
        std::uint64_t bits = 0;
        for (const char c : b) bits = (bits << 8) | static_cast<unsigned char>(c);
        Value v;
        v.kind = K::real;
        std::memcpy(&v.real, &bits, sizeof bits);
        push(make(std::move(v)));
        break;
      }
      case 'N': push(make(K::none)); break;
      case 0x88: case 0x89: { Value v; v.kind = K::boolean; v.integer = op == 0x88; push(make(std::move(v))); break; }
      case 'X': case 0x8c: case 0x8d:  // BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
        push(make(K::text, std::string(take(little(op == 'X' ? 4 : op == 0x8c ? 1 : 8)))));
        break;
      case 'T': case 'U':  // BINSTRING, SHORT_BINSTRING (protocol 2 byte strings)
        push(make(K::text, std::string(take(little(op == 'T' ? 4 : 1)))));
        break;
      case 'B': case 'C': case 0x8e:  // BINBYTES, SHORT_BINBYTES, BINBYTES8
        push(make(K::bytes, std::string(take(little(op == 'B' ? 4 : op == 'C' ? 1 : 8)))));
        break;
      case 'c': { std::string module = line(); push(make(K::global, module + "." + line())); break; }  // GLOBAL
      case 0x93: {  // STACK_GLOBAL
        const std::string name = expect(pop(), K::text, "a global's name").text;
        push(make(K::global, expect(pop(), K::text, "a global's module").text + "." + name));
        break;
      }
      case 0x94: memo_put(memo_.size()); break;    // MEMOIZE
      case 'q': memo_put(little(1)); break;        // BINPUT
      case 'r': memo_put(little(4)); break;        // LONG_BINPUT
      case 'h': push(memo_get(little(1))); break;  // BINGET
      case 'j': push(memo_get(little(4))); break;  // LONG_BINGET
      case 'p': case 'g': {                        // PUT, GET with a decimal key
        const std::string key = line();
        if (key.empty() || key.size() > 9 || key.find_first_not_of("0123456789") != std::string::npos) fail("a memo key '" + key + "'");
        if (op == 'p') memo_put(std::stoull(key)); else push(memo_get(std::stoull(key)));
        break;
      }
      case 's': { const std::size_t v = pop(), k = pop(); add_to_dict(top(), {k, v}); break; }  // SETITEM
      case 'u': { auto pairs = pop_mark(); add_to_dict(top(), pairs); break; }             // SETITEMS
      case 'a': { const std::size_t v = pop(); add_to_list(top(), {v}); break; }           // APPEND
      case 'e': { auto items = pop_mark(); add_to_list(top(), items); break; }             // APPENDS
      case 'R': { const std::size_t args = pop(), callable = pop(); push(reduce(callable, args)); break; }
      case 0x81: {  // NEWOBJ: cls.__new__(cls, *args)
        pop();
        push(make(K::object, expect(pop(), K::global, "a NEWOBJ's class").text));
        break;
      }
      case 0x92: { pop(); pop(); push(make(K::object, expect(pop(), K::global, "a NEWOBJ_EX's class").text)); break; }
      case 'b': pop(); break;  // BUILD: an object's state (an OrderedDict's _metadata): not needed
      case 'Q': push(persistent(pop())); break;  // BINPERSID
      case '0': pop(); break;                    // POP
      case '1': pop_mark(); break;               // POP_MARK
      case '2': push(top()); break;              // DUP
      default: {
        static const char* const hex = "0123456789abcdef";
        fail(std::string("unsupported pickle opcode 0x") + hex[op >> 4] + hex[op & 15]);
      }
    }
  }
}

// The dict's (name, tensor) entries, or why it is not a state_dict.
PickledStateDict tensors_of(const Machine& m, std::size_t dict, const std::string& where) {
  PickledStateDict out;
  const Value& d = m.at(dict);
  for (std::size_t i = 0; i + 1 < d.items.size(); i += 2) {
    const Value& key = m.at(d.items[i]);
    const Value& value = m.at(d.items[i + 1]);
    if (key.kind != Value::Kind::text) throw Error("a state_dict key is a " + std::string(kind_name(key.kind)), where);
    if (value.kind != Value::Kind::tensor) {
      throw Error("'" + key.text + "' is a " + (value.kind == Value::Kind::object ? value.text : kind_name(value.kind)) +
                      ", not a tensor",
                  where, "save model.state_dict()");
    }
    out.emplace_back(key.text, value.tensor);
  }
  return out;
}

}  // namespace

PickledStateDict read_pickled_state_dict(std::string_view bytes, const std::string& where) {
  Machine m(bytes, where);
  const std::size_t root = m.run();
  const Value& top = m.at(root);
  if (top.kind == Value::Kind::object) {
    throw Error("the file holds a pickled " + top.text + ", not a state_dict", where,
                "save model.state_dict() instead: torch.save(model.state_dict(), path)");
  }
  if (top.kind != Value::Kind::dict) {
    throw Error("the file holds a " + std::string(kind_name(top.kind)) + ", not a state_dict", where,
                "save model.state_dict()");
  }
  // A training checkpoint ({"model_state_dict": …, "optimizer": …}): its model's entry.
  for (const char* wrapper : {"state_dict", "model_state_dict", "model"}) {
    for (std::size_t i = 0; i + 1 < top.items.size(); i += 2) {
      const Value& key = m.at(top.items[i]);
      if (key.kind == Value::Kind::text && key.text == wrapper && m.at(top.items[i + 1]).kind == Value::Kind::dict) {
        return tensors_of(m, top.items[i + 1], where + ": " + wrapper);
      }
    }
  }
  return tensors_of(m, root, where);
}

}  // namespace fastformer
