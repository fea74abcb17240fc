# Semi-supervised fine-tuning on the 1% labelled subset.
_base_ = './dspnet_finetune_slimmable-r18_8xb32-coslr-50e_in1k-10pct.py'
label_fraction = 0.01
train_dataloader = dict(dataset=dict(
    ann_file=f'meta/train_{round(label_fraction * 100)}pct_seed0.txt'))
