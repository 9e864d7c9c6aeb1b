"""The Fastformer text classifier of the authors' notebook, as a plain module.

Follows the published notebook Fastformer.ipynb of github.com/wuch15/Fastformer (and its
fastformer.json): the same module names, attribute order and forward arithmetic, so a
state_dict saved here has exactly the keys, shapes and order that a notebook user's
`torch.save(model.state_dict(), ...)` gives. Two things the notebook takes from elsewhere
are written out here:

* BertSelfOutput, BertIntermediate and BertOutput come from transformers'
  modeling_bert in the notebook; they are restated below with the same attribute names
  (dense, LayerNorm, dropout) and transformers' "gelu" (the exact erf form, F.gelu).
* BertConfig.from_json_file('fastformer.json') is replaced by FastformerConfig, which
  only holds the JSON's keys as attributes.

The notebook hard-codes the word embedding width (256, its hidden_size) and the number
of classes (4, AG News); here they are config.hidden_size and num_classes. The notebook's
init_weights methods are kept for fidelity; make_fixture.py overwrites every parameter
afterwards.

Tokenisation (notebook cells 2-4): nltk.tokenize.wordpunct_tokenize(text.lower()); the
vocabulary is word_dict = {'PADDING': 0}, each new token getting id len(word_dict); a text
is cut to max_position_embeddings ids and padded with 0 to that length. The notebook
builds word_dict from all of its data, so it never meets an unknown word. Our convention
for words not in word_dict: they are LEFT OUT (dropped) before the truncation.
"""

import json
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from nltk.tokenize import wordpunct_tokenize


class FastformerConfig:
    """Stands in for transformers.BertConfig.from_json_file: the JSON's keys as attributes."""

    def __init__(self, **kwargs):
        for key, value in kwargs.items():
            setattr(self, key, value)

    @classmethod
    def from_json_file(cls, path):
        with open(path, encoding="utf-8") as f:
            return cls(**json.load(f))

    def to_dict(self):
        return dict(self.__dict__)


# --- transformers.models.bert.modeling_bert, the three classes the notebook imports ---

class BertSelfOutput(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states, input_tensor):
        hidden_states = self.dense(hidden_states)
        hidden_states = self.dropout(hidden_states)
        return self.LayerNorm(hidden_states + input_tensor)


class BertIntermediate(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        if config.hidden_act != "gelu":
            raise ValueError("only hidden_act 'gelu' is reproduced here")

    def forward(self, hidden_states):
        return F.gelu(self.dense(hidden_states))  # exact erf form, as transformers' "gelu"


class BertOutput(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.intermediate_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states, input_tensor):
        hidden_states = self.dense(hidden_states)
        hidden_states = self.dropout(hidden_states)
        return self.LayerNorm(hidden_states + input_tensor)


# --- the notebook's own classes ---

class AttentionPooling(nn.Module):
    def __init__(self, config):
        self.config = config
        super().__init__()
        self.att_fc1 = nn.Linear(config.hidden_size, config.hidden_size)
        self.att_fc2 = nn.Linear(config.hidden_size, 1)
        self.apply(self.init_weights)

    def init_weights(self, module):
        if isinstance(module, nn.Linear):
            module.weight.data.normal_(mean=0.0, std=self.config.initializer_range)
        if isinstance(module, nn.Linear) and module.bias is not None:
            module.bias.data.zero_()

    def forward(self, x, attn_mask=None):
        bz = x.shape[0]
        e = self.att_fc1(x)
        e = nn.Tanh()(e)
        alpha = self.att_fc2(e)
        alpha = torch.exp(alpha)
        if attn_mask is not None:
            alpha = alpha * attn_mask.unsqueeze(2)
        alpha = alpha / (torch.sum(alpha, dim=1, keepdim=True) + 1e-8)
        x = torch.bmm(x.permute(0, 2, 1), alpha)
        x = torch.reshape(x, (bz, -1))
        return x


class FastSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        if config.hidden_size % config.num_attention_heads != 0:
            raise ValueError(
                "The hidden size (%d) is not a multiple of the number of attention heads (%d)"
                % (config.hidden_size, config.num_attention_heads))
        self.attention_head_size = int(config.hidden_size / config.num_attention_heads)
        self.num_attention_heads = config.num_attention_heads
        self.all_head_size = self.num_attention_heads * self.attention_head_size
        self.input_dim = config.hidden_size

        self.query = nn.Linear(self.input_dim, self.all_head_size)
        self.query_att = nn.Linear(self.all_head_size, self.num_attention_heads)
        self.key = nn.Linear(self.input_dim, self.all_head_size)
        self.key_att = nn.Linear(self.all_head_size, self.num_attention_heads)
        self.transform = nn.Linear(self.all_head_size, self.all_head_size)

        self.softmax = nn.Softmax(dim=-1)

        self.apply(self.init_weights)

    def init_weights(self, module):
        if isinstance(module, nn.Linear):
            module.weight.data.normal_(mean=0.0, std=self.config.initializer_range)
        if isinstance(module, nn.Linear) and module.bias is not None:
            module.bias.data.zero_()

    def transpose_for_scores(self, x):
        new_x_shape = x.size()[:-1] + (self.num_attention_heads, self.attention_head_size)
        x = x.view(*new_x_shape)
        return x.permute(0, 2, 1, 3)

    def forward(self, hidden_states, attention_mask):
        # attention_mask: (batch, 1, seq_len), additive: (1 - mask) * -10000
        batch_size, seq_len, _ = hidden_states.shape
        mixed_query_layer = self.query(hidden_states)
        mixed_key_layer = self.key(hidden_states)
        # batch_size, num_head, seq_len
        query_for_score = self.query_att(mixed_query_layer).transpose(1, 2) / self.attention_head_size ** 0.5
        query_for_score += attention_mask
        # batch_size, num_head, 1, seq_len
        query_weight = self.softmax(query_for_score).unsqueeze(2)
        # batch_size, num_head, seq_len, head_dim
        query_layer = self.transpose_for_scores(mixed_query_layer)
        # batch_size, 1, num_head * head_dim
        pooled_query = torch.matmul(query_weight, query_layer).transpose(1, 2).view(
            -1, 1, self.num_attention_heads * self.attention_head_size)
        pooled_query_repeat = pooled_query.repeat(1, seq_len, 1)
        mixed_query_key_layer = mixed_key_layer * pooled_query_repeat

        query_key_score = (self.key_att(mixed_query_key_layer) / self.attention_head_size ** 0.5).transpose(1, 2)
        query_key_score += attention_mask
        # batch_size, num_head, 1, seq_len
        query_key_weight = self.softmax(query_key_score).unsqueeze(2)

        key_layer = self.transpose_for_scores(mixed_query_key_layer)
        pooled_key = torch.matmul(query_key_weight, key_layer)

        # query = value
        weighted_value = (pooled_key * query_layer).transpose(1, 2)
        weighted_value = weighted_value.reshape(
            weighted_value.size()[:-2] + (self.num_attention_heads * self.attention_head_size,))
        weighted_value = self.transform(weighted_value) + mixed_query_layer
        return weighted_value


class FastAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.self = FastSelfAttention(config)
        self.output = BertSelfOutput(config)

    def forward(self, input_tensor, attention_mask):
        self_output = self.self(input_tensor, attention_mask)
        return self.output(self_output, input_tensor)


class FastformerLayer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.attention = FastAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertOutput(config)

    def forward(self, hidden_states, attention_mask):
        attention_output = self.attention(hidden_states, attention_mask)
        intermediate_output = self.intermediate(attention_output)
        return self.output(intermediate_output, attention_output)


class FastformerEncoder(nn.Module):
    def __init__(self, config, pooler_count=1):
        super().__init__()
        self.config = config
        self.encoders = nn.ModuleList([FastformerLayer(config) for _ in range(config.num_hidden_layers)])
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

        # support multiple different poolers with shared bert encoder.
        self.poolers = nn.ModuleList()
        if config.pooler_type == "weightpooler":
            for _ in range(pooler_count):
                self.poolers.append(AttentionPooling(config))
        logging.info(f"This model has {len(self.poolers)} poolers.")

        self.apply(self.init_weights)

    def init_weights(self, module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            module.weight.data.normal_(mean=0.0, std=self.config.initializer_range)
            if isinstance(module, nn.Embedding) and module.padding_idx is not None:
                with torch.no_grad():
                    module.weight[module.padding_idx].fill_(0)
        elif isinstance(module, nn.LayerNorm):
            module.bias.data.zero_()
            module.weight.data.fill_(1.0)
        if isinstance(module, nn.Linear) and module.bias is not None:
            module.bias.data.zero_()

    def forward(self, input_embs, attention_mask, pooler_index=0):
        # input_embs: batch_size, seq_len, emb_dim; attention_mask: batch_size, seq_len
        extended_attention_mask = attention_mask.unsqueeze(1)
        extended_attention_mask = extended_attention_mask.to(dtype=next(self.parameters()).dtype)
        extended_attention_mask = (1.0 - extended_attention_mask) * -10000.0

        batch_size, seq_length, emb_dim = input_embs.shape
        position_ids = torch.arange(seq_length, dtype=torch.long, device=input_embs.device)
        position_ids = position_ids.unsqueeze(0).expand(batch_size, -1)
        position_embeddings = self.position_embeddings(position_ids)

        embeddings = input_embs + position_embeddings
        embeddings = self.LayerNorm(embeddings)
        embeddings = self.dropout(embeddings)
        all_hidden_states = [embeddings]

        for layer_module in self.encoders:
            layer_outputs = layer_module(all_hidden_states[-1], extended_attention_mask)
            all_hidden_states.append(layer_outputs)
        assert len(self.poolers) > pooler_index
        return self.poolers[pooler_index](all_hidden_states[-1], attention_mask)


class Model(torch.nn.Module):
    def __init__(self, config, vocab_size, num_classes):
        super().__init__()
        self.config = config
        self.dense_linear = nn.Linear(config.hidden_size, num_classes)
        self.word_embedding = nn.Embedding(vocab_size, config.hidden_size, padding_idx=0)
        self.fastformer_model = FastformerEncoder(config)
        self.criterion = nn.CrossEntropyLoss()
        self.apply(self.init_weights)

    def init_weights(self, module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            module.weight.data.normal_(mean=0.0, std=self.config.initializer_range)
            if isinstance(module, nn.Embedding) and module.padding_idx is not None:
                with torch.no_grad():
                    module.weight[module.padding_idx].fill_(0)
        if isinstance(module, nn.Linear) and module.bias is not None:
            module.bias.data.zero_()

    def forward(self, input_ids, targets=None):
        # The notebook's forward(input_ids, targets) returns (loss, score); without
        # targets this returns the score (the logits) alone.
        mask = input_ids.bool().float()
        embds = self.word_embedding(input_ids)
        text_vec = self.fastformer_model(embds, mask)
        score = self.dense_linear(text_vec)
        if targets is None:
            return score
        return self.criterion(score, targets), score


# --- the notebook's tokenisation ---

def tokenize(text):
    """nltk's wordpunct_tokenize on the lower-cased text, as the notebook does."""
    return wordpunct_tokenize(text.lower())


def build_word_dict(texts):
    """word_dict = {'PADDING': 0}; each new token (in reading order) gets len(word_dict)."""
    word_dict = {"PADDING": 0}
    for text in texts:
        for token in tokenize(text):
            if token not in word_dict:
                word_dict[token] = len(word_dict)
    return word_dict


def encode(text, word_dict, max_len):
    """Ids of the known tokens, unknown ones LEFT OUT, then cut to max_len; not padded."""
    ids = [word_dict[token] for token in tokenize(text) if token in word_dict]
    return ids[:max_len]


def pad(ids, max_len):
    """The notebook's padding: sample + [0] * (max_len - len(sample))."""
    return ids + [0] * (max_len - len(ids))
