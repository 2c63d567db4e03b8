/* Glassbox views of the classic models, drawn checkpoint by checkpoint (the studio's run page and the self-contained
 * report use them): mlpView (glassbox train mlp), seq2seqView (glassbox train seq2seq: an LSTM or transformer
 * encoder-decoder) and finetuneView (glassbox finetune). Each lives in views/classic/ with its panels; this module
 * only gathers them. */
import { finetuneView } from "./classic/finetune-view.js";
import { mlpView } from "./classic/mlp-view.js";
import { seq2seqView } from "./classic/seq2seq-view.js";

export { finetuneView, mlpView, seq2seqView };
