# As the 10% config, on the 1% labelled subset (meta/train_1pct_seed0.txt,
# written by tools/dataset_converters/make_label_subset.py --fraction 0.01).
_base_ = './dspnet_linear-bn_slimmable-r18_8xb32-coslr-50e_in1k-10pct.py'
label_fraction = 0.01
train_dataloader = dict(dataset=dict(
    ann_file=f'meta/train_{round(label_fraction * 100)}pct_seed0.txt'))
