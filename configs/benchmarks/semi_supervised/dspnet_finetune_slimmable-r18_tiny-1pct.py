# Tiny semi-supervised fine-tuning on 1% of the labels (1 image/class).
_base_ = './dspnet_finetune_slimmable-r18_tiny-10pct.py'
label_fraction = 0.01
train_dataloader = dict(dataset=dict(
    ann_file=f'meta/train_{round(label_fraction * 100)}pct_seed0.txt'))
